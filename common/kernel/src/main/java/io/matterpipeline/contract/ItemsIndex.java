package io.matterpipeline.contract;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The index of a Matter's or a document's merged items kept in pages ({@code BlobPaths.itemsIndex}), written by the
 * aggregator with the result and read by the items API: the fields in first-seen order; a list field's items are in
 * chunk blobs ({@code BlobPaths.itemsChunk}), each a JSON array of consecutive items.
 */
public record ItemsIndex(List<Field> fields) {

    public ItemsIndex {
        fields = fields == null ? List.of() : List.copyOf(fields);
    }

    /**
     * @param name the field as the extraction names it
     * @param list true for a list field (its items are in chunks), false for a single value
     * @param count items of a list field
     * @param chunkStarts position of the first item of each chunk (ascending, the first is 0)
     * @param value the value of a single-value field (JSON null when none was found)
     */
    public record Field(String name, boolean list, int count, List<Integer> chunkStarts, JsonNode value) {

        public Field {
            chunkStarts = chunkStarts == null ? List.of() : List.copyOf(chunkStarts);
        }
    }
}
