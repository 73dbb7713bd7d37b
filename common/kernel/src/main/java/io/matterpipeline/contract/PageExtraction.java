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
 */
public record PageExtraction(
        String matterId,
        String documentId,
        int pageNumber,
        String model,
        JsonNode extraction,
        Usage usage,
        List<String> warnings) {

    public PageExtraction {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
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
