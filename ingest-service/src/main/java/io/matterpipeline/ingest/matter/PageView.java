package io.matterpipeline.ingest.matter;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * One page as a reviewer reads it: the page's text as the splitter read it, its OCR words with their confidences, and
 * what the model found on it.
 *
 * @param fileName the document's file name as uploaded
 * @param pageCount pages of the document
 * @param kind the document kind: {@code pdf}, {@code analyze-result} or {@code text}
 * @param text the page's text; the offsets of {@code words} and of quotes refer to it
 * @param words OCR words (empty unless the input was OCR): text, confidence 0..1, offset in {@code text}
 * @param lowConfidenceThreshold words below this confidence are the ones a reviewer should check
 * @param averageWordConfidence mean OCR word confidence, null unless OCR
 * @param extraction the validated JSON the model returned for the page, null until the page was read
 * @param model the model that read the page, null until then
 * @param warnings the worker's findings about the page, such as a quote not found in its text
 */
public record PageView(
        String matterId,
        String documentId,
        String fileName,
        int pageNumber,
        int pageCount,
        String kind,
        String text,
        List<Word> words,
        double lowConfidenceThreshold,
        Double averageWordConfidence,
        JsonNode extraction,
        String model,
        List<String> warnings) {

    /** An OCR word: its text, confidence (0..1) and where it starts in the page text. */
    public record Word(String content, double confidence, int offset) {
    }
}
