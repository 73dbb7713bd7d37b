package io.matterpipeline.split.page;

import io.matterpipeline.contract.PageContent;
import io.matterpipeline.progress.FailureNote;
import java.util.List;

/**
 * One page as a splitter produced it, before context is attached and it becomes a {@link PageContent} blob.
 *
 * @param pageNumber 1-based page number
 * @param text the page's extracted text
 * @param words OCR words with confidence and offset in {@code text}; empty when the input was not OCR
 * @param confidence the page's word confidence figures, {@link WordConfidence#UNKNOWN} when not OCR
 * @param unread why the page has no text to send to the model (a scanned page without OCR, or OCR refused it), null
 *     for a page that was read; an unread page is settled with a PageFailed of that reason, never sent to the model
 */
public record SplitPage(int pageNumber, String text, List<PageContent.Word> words, WordConfidence confidence,
        Unread unread) {

    /**
     * Why a page was not read.
     *
     * @param reason a stable reason such as {@link FailureNote#NEEDS_OCR}
     * @param description what happened and what a user can do about it
     */
    public record Unread(String reason, String description) {
    }

    public SplitPage {
        text = text == null ? "" : text;
        words = words == null ? List.of() : List.copyOf(words);
        confidence = confidence == null ? WordConfidence.UNKNOWN : confidence;
    }

    /** A page with its text, words and confidence. */
    public SplitPage(int pageNumber, String text, List<PageContent.Word> words, WordConfidence confidence) {
        this(pageNumber, text, words, confidence, null);
    }

    /** A page without a text layer (a scanned page: images, no text), awaiting OCR. */
    public static SplitPage withoutTextLayer(int pageNumber) {
        return unread(pageNumber, FailureNote.NEEDS_OCR, "Page " + pageNumber + " has no text layer (a scanned page)"
                + " and was not read: configure OCR (matter-pipeline.splitter.ocr.endpoint, Azure AI Document"
                + " Intelligence) or upload the document's analyzeResult JSON instead");
    }

    /** A page that was not read, for {@code reason}. */
    public static SplitPage unread(int pageNumber, String reason, String description) {
        return new SplitPage(pageNumber, "", List.of(), WordConfidence.UNKNOWN, new Unread(reason, description));
    }

    /** A page of text without OCR words. */
    public static SplitPage ofText(int pageNumber, String text) {
        return new SplitPage(pageNumber, text, List.of(), WordConfidence.UNKNOWN);
    }

    /** True for a page without a text layer that was not OCR'd. */
    public boolean needsOcr() {
        return unread != null && FailureNote.NEEDS_OCR.equals(unread.reason());
    }
}
