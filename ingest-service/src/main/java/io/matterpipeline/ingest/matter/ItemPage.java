package io.matterpipeline.ingest.matter;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * One page of a list field's merged items, in the order of the result: what
 * {@code GET /v1/matters/{id}/items/{field}} answers.
 *
 * @param documentId null for the Matter's items
 * @param total items of the field
 * @param offset position of the first item of this page
 * @param nextCursor pass as {@code cursor} for the next page; null on the last
 */
public record ItemPage(String matterId, String documentId, String field, int total, int offset,
        List<JsonNode> items, String nextCursor) {
}
