package io.matterpipeline.split.ocr;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The parts of an Azure Document Intelligence result the splitter reads, bound from either the bare
 * {@code analyzeResult} object or the operation body wrapping it. Everything else (polygons, paragraphs, tables, ...)
 * is skipped by the parser, not materialised. The fields of old shapes are bound only to reject them.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record AnalyzeResultJson(
        String status,
        AnalyzeResultJson analyzeResult,
        String apiVersion,
        String stringIndexType,
        String content,
        List<PageJson> pages,
        JsonNode readResults) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    record PageJson(Integer pageNumber, List<SpanJson> spans, List<WordJson> words, List<LineJson> lines,
            JsonNode boundingBox) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record WordJson(String content, SpanJson span, Double confidence, JsonNode boundingBox, String text) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record LineJson(String content, List<SpanJson> spans, JsonNode boundingBox, String text) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record SpanJson(Integer offset, Integer length) {
    }
}
