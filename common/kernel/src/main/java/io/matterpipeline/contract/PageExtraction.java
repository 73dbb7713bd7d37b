package io.matterpipeline.contract;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The body of a page extraction blob, written by the llm-worker and merged by the aggregator.
 *
 * @param model the model that produced it, as the server reported it ({@code simulated} for the simulator)
 * @param extraction the validated JSON object the model returned, following the Matter's extraction schema
 * @param usage tokens and time spent
 * @param warnings non-fatal findings, such as a quote that is not in the page text
 * @param textLength length of the page text (UTF-16 code units, as {@code String.length()}), from the
 *     {@link PageContent} the worker read; null in extractions written before the field existed
 * @param averageWordConfidence the page's mean OCR word confidence ({@link PageContent#averageWordConfidence()})
 * @param lowConfidenceWordShare the page's share of low-confidence OCR words
 *     ({@link PageContent#lowConfidenceWordShare()})
 */
public record PageExtraction(
        String matterId,
        String documentId,
        int pageNumber,
        String model,
        JsonNode extraction,
        Usage usage,
        List<String> warnings,
        Integer textLength,
        Double averageWordConfidence,
        Double lowConfidenceWordShare) {

    public PageExtraction {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /**
     * An extraction that carries the page statistics of {@code page}, so assembling the document reads this blob only,
     * never the page blob again.
     */
    public PageExtraction(PageContent page, String model, JsonNode extraction, Usage usage, List<String> warnings) {
        this(page.matterId(), page.documentId(), page.pageNumber(), model, extraction, usage, warnings,
                page.text() == null ? null : page.text().length(), page.averageWordConfidence(),
                page.lowConfidenceWordShare());
    }

    /** An extraction without page statistics (as written before they existed; tests). */
    public PageExtraction(String matterId, String documentId, int pageNumber, String model, JsonNode extraction,
            Usage usage, List<String> warnings) {
        this(matterId, documentId, pageNumber, model, extraction, usage, warnings, null, null, null);
    }

    /**
     * @param promptTokens tokens of the prompt as reported by the model server
     * @param outputTokens tokens generated
     * @param modelMillis wall time of the successful model call
     * @param attempts model calls made for this page, including retries and repairs
     */
    public record Usage(long promptTokens, long outputTokens, long modelMillis, int attempts) {
    }
}
