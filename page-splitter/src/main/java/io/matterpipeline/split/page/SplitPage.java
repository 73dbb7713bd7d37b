package io.matterpipeline.split.page;

import io.matterpipeline.contract.PageContent;
import java.util.List;

/**
 * One page as a splitter produced it, before context is attached and it becomes a {@link PageContent} blob.
 *
 * @param pageNumber 1-based page number
 * @param text the page's extracted text
 * @param words OCR words with confidence and offset in {@code text}; empty when the input was not OCR
 * @param confidence the page's word confidence figures, {@link WordConfidence#UNKNOWN} when not OCR
 * @param needsOcr true for a page without a text layer (a scanned page: images, no text) that was not OCR'd; it is
 *     never sent to the model as if it were text
 */
public record SplitPage(int pageNumber, String text, List<PageContent.Word> words, WordConfidence confidence,
        boolean needsOcr) {

    public SplitPage {
        text = text == null ? "" : text;
        words = words == null ? List.of() : List.copyOf(words);
        confidence = confidence == null ? WordConfidence.UNKNOWN : confidence;
    }

    /** A page with its text, words and confidence. */
    public SplitPage(int pageNumber, String text, List<PageContent.Word> words, WordConfidence confidence) {
        this(pageNumber, text, words, confidence, false);
    }

    /** A page without a text layer, awaiting OCR. */
    public static SplitPage withoutTextLayer(int pageNumber) {
        return new SplitPage(pageNumber, "", List.of(), WordConfidence.UNKNOWN, true);
    }

    /** A page of text without OCR words. */
    public static SplitPage ofText(int pageNumber, String text) {
        return new SplitPage(pageNumber, text, List.of(), WordConfidence.UNKNOWN);
    }
}
