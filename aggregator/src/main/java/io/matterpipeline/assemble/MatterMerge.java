package io.matterpipeline.assemble;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Merges the document-level items of a Matter's documents (each produced by {@link DocumentMerge}) into Matter-level
 * items, with the same rules: array elements deduplicated by {@link MergeKey} in first-seen order (documents are
 * added in sealed order), other fields by vote. A merged element carries {@code documents}
 * ({@code [{documentId, fileName, pages}]}) and {@code quotes} ({@code [{documentId, page, quote}]}); it has no
 * top-level {@code pages}, since page numbers only mean something within one document. Not thread-safe.
 */
final class MatterMerge {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final MergeKey keys;
    private final Map<String, Field> fields = new LinkedHashMap<>();
    private int documentPosition;

    MatterMerge(MergeKey keys) {
        this.keys = keys;
    }

    /** Adds one document's merged items. */
    void addDocument(String documentId, String fileName, JsonNode documentItems) {
        int position = documentPosition++;
        if (documentItems == null || !documentItems.isObject()) {
            return;
        }
        documentItems.forEachEntry((name, value) -> fields.computeIfAbsent(name, n -> new Field())
                .add(position, documentId, fileName, value));
    }

    /** The merged items. */
    ObjectNode result() {
        ObjectNode result = NODES.objectNode();
        fields.forEach((name, field) -> result.set(name, field.result()));
        return result;
    }

    private final class Field {
        private final Map<String, Item> items = new LinkedHashMap<>();
        private final ValueVote vote = new ValueVote();
        private boolean array;

        void add(int position, String documentId, String fileName, JsonNode value) {
            if (value.isArray()) {
                array = true;
                for (JsonNode element : value.values()) {
                    if (element.isObject()) {
                        items.computeIfAbsent(keys.ofItem(element), k -> new Item(element, keys.occurrenceFields()))
                                .add(documentId, fileName, element);
                    }
                }
            } else {
                vote.add(keys.ofValue(value), value, position);
            }
        }

        JsonNode result() {
            if (!array) {
                return vote.winner();
            }
            ArrayNode merged = NODES.arrayNode();
            items.values().forEach(item -> merged.add(item.result()));
            return merged;
        }
    }

    private static final class Item {
        private final ObjectNode base;
        private final Map<String, DocumentRef> documents = new LinkedHashMap<>();
        private final ArrayNode quotes = NODES.arrayNode();

        private final Set<String> occurrenceFields;

        Item(JsonNode first, Set<String> occurrenceFields) {
            this.occurrenceFields = occurrenceFields;
            base = ((ObjectNode) first).deepCopy();
            base.remove(MergeKey.PROVENANCE_FIELDS);
            base.remove(occurrenceFields);
        }

        void add(String documentId, String fileName, JsonNode element) {
            DocumentRef ref = documents.computeIfAbsent(documentId, id -> new DocumentRef(fileName, new TreeSet<>()));
            for (JsonNode page : element.path("pages").values()) {
                if (page.isInt()) {
                    ref.pages.add(page.intValue());
                }
            }
            for (JsonNode quote : element.path("quotes").values()) {
                ObjectNode cited = quotes.addObject().put("documentId", documentId);
                quote.forEachEntry((field, value) -> cited.set(field, value.deepCopy()));
            }
        }

        ObjectNode result() {
            ObjectNode result = base.deepCopy();
            ArrayNode refs = result.putArray("documents");
            documents.forEach((documentId, ref) -> {
                ObjectNode entry = refs.addObject().put("documentId", documentId).put("fileName", ref.fileName);
                ArrayNode pages = entry.putArray("pages");
                ref.pages.forEach(pages::add);
            });
            result.set("quotes", quotes.deepCopy());
            return result;
        }
    }

    private record DocumentRef(String fileName, TreeSet<Integer> pages) {
    }
}
