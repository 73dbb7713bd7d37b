package io.matterpipeline.assemble;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Merges the page extractions of one document into its items, generically (any extraction schema):
 * <ul>
 *   <li>every top-level array: its elements deduplicated across pages by {@link MergeKey}, in first-seen order (pages
 *       are added in page order), each merged element with {@code pages} (sorted page numbers it was found on) and
 *       {@code quotes} ({@code [{page, quote}]}); a scalar element becomes {@code {value, pages, quotes}};</li>
 *   <li>every other field: the most frequent non-empty value, ties going to the earliest page ({@link ValueVote}).</li>
 * </ul>
 * Fields come out in first-seen order. Pages must be added in ascending page order. Not thread-safe.
 */
final class DocumentMerge {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final MergeKey keys;
    private final Map<String, Field> fields = new LinkedHashMap<>();

    DocumentMerge(MergeKey keys) {
        this.keys = keys;
    }

    /** Adds one page's extraction; anything but a JSON object is ignored. */
    void addPage(int pageNumber, JsonNode extraction) {
        if (extraction == null || !extraction.isObject()) {
            return;
        }
        extraction.forEachEntry((name, value) -> fields.computeIfAbsent(name, n -> new Field()).add(pageNumber, value));
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

        void add(int pageNumber, JsonNode value) {
            if (value.isArray()) {
                array = true;
                for (JsonNode element : value.values()) {
                    if (element.isNull() || element.isMissingNode()) {
                        continue;
                    }
                    items.computeIfAbsent(keys.ofItem(element), k -> new Item(element, keys.occurrenceFields())).add(pageNumber, element);
                }
            } else {
                vote.add(keys.ofValue(value), value, pageNumber);
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
        private final Set<Integer> pages = new TreeSet<>();
        private final Set<String> seenQuotes = new LinkedHashSet<>();
        private final ArrayNode quotes = NODES.arrayNode();
        private final Set<String> occurrenceFields;

        Item(JsonNode first, Set<String> occurrenceFields) {
            this.occurrenceFields = occurrenceFields;
            if (first.isObject()) {
                base = ((ObjectNode) first).deepCopy();
                base.remove(MergeKey.PROVENANCE_FIELDS);
                base.remove(occurrenceFields);
            } else {
                base = NODES.objectNode();
                base.set("value", first.deepCopy());
            }
        }

        void add(int pageNumber, JsonNode element) {
            pages.add(pageNumber);
            JsonNode quote = element.path("quote");
            if (quote.isString() && !quote.stringValue().isBlank()
                    && seenQuotes.add(pageNumber + "\u0000" + quote.stringValue())) {
                ObjectNode cited = quotes.addObject().put("page", pageNumber).put("quote", quote.stringValue());
                for (String field : occurrenceFields) {
                    JsonNode value = element.get(field);
                    if (value != null && !cited.has(field)) {
                        cited.set(field, value.deepCopy());
                    }
                }
            }
        }

        ObjectNode result() {
            ObjectNode result = base.deepCopy();
            ArrayNode pageNumbers = result.putArray("pages");
            pages.forEach(pageNumbers::add);
            result.set("quotes", quotes.deepCopy());
            return result;
        }
    }
}
