package io.matterpipeline.contract;

import java.util.List;

/**
 * The body of a page blob, written by the page-splitter and read by the llm-worker.
 *
 * @param kind the document kind: {@code pdf}, {@code analyze-result} or {@code text}
 * @param text the page's extracted text
 * @param words OCR words with confidence and their offset in {@code text}; empty when the input was not OCR
 * @param averageWordConfidence mean word confidence, null when unknown
 * @param minWordConfidence lowest word confidence, null when unknown
 * @param lowConfidenceWordShare share of words below the splitter's confidence threshold, null when unknown
 * @param precedingText the tail of the previous page, context only (empty on the first page)
 * @param followingText the head of the next page, context only (empty on the last page)
 */
public record PageContent(
        String matterId,
        String documentId,
        int pageNumber,
        int pageCount,
        String kind,
        String text,
        List<Word> words,
        Double averageWordConfidence,
        Double minWordConfidence,
        Double lowConfidenceWordShare,
        String precedingText,
        String followingText) {

    public PageContent {
        words = words == null ? List.of() : List.copyOf(words);
        precedingText = precedingText == null ? "" : precedingText;
        followingText = followingText == null ? "" : followingText;
    }

    /** An OCR word: its text, its recognition confidence (0..1) and where it starts in the page text. */
    public record Word(String content, double confidence, int offset) {
    }
}
