package io.matterpipeline.ingest.matter;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The merged items of a Matter (or of one document) field by field, without the items themselves: what
 * {@code GET /v1/matters/{id}/items} answers. A list field's items are read page by page ({@link ItemPage}).
 *
 * @param documentId null for the Matter's items
 * @param fields in first-seen order
 */
public record ItemsView(String matterId, String documentId, List<Field> fields) {

    /**
     * @param kind {@code list} (items, {@code count} of them) or {@code value} (one merged value in {@code value})
     */
    public record Field(String name, String kind, Integer count, JsonNode value) {
    }
}
