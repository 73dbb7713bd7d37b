package io.matterpipeline.assemble;

import io.matterpipeline.contract.MessageCodec;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Merges the page extractions of one document into its items, generically (any extraction schema):
 * <ul>
 *   <li>every top-level array: its elements deduplicated across pages by {@link MergeKey}, in first-seen order (pages
 *       are added in page order), each merged element with {@code pages} (sorted page numbers it was found on) and
 *       {@code quotes} ({@code [{page, quote}]}); a scalar element becomes {@code {value, pages, quotes}};</li>
 *   <li>every other field: the most frequent non-empty value, ties going to the earliest page.</li>
 * </ul>
 * Fields come out in first-seen order. Pages must be added in ascending page order. Memory stays bounded whatever the
 * number of pages and items ({@link FieldMerge} spills to disk); one merged item is built in memory at a time. Not
 * thread-safe; blocking file I/O; {@link #close()} deletes the spill files.
 */
final class DocumentMerge implements AutoCloseable {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final MergeKey keys;
    private final FieldMerge merge;

    DocumentMerge(MergeKey keys, Path spillDirectory, long memoryBytes) {
        this.keys = keys;
        this.merge = new FieldMerge(ItemFold::new, spillDirectory, memoryBytes);
    }

    /**
     * Adds one page's extraction; anything but a JSON object is ignored. Its items are kept as trees until they are
     * merged (or spilled), so the extraction must not be changed afterwards.
     */
    void addPage(int pageNumber, JsonNode extraction) {
        if (extraction == null || !extraction.isObject()) {
            return;
        }
        extraction.forEachEntry((name, value) -> {
            int field = merge.field(name);
            if (value.isArray()) {
                merge.markArray(field);
                for (JsonNode element : value.values()) {
                    if (!element.isNull() && !element.isMissingNode()) {
                        merge.addItem(field, keys.ofItem(element), pageNumber, element);
                    }
                }
            } else {
                merge.addVote(field, keys.ofValue(value), pageNumber, bytes(value));
            }
        });
    }

    /** Writes the merged items as a JSON object, and into {@code pages} for the items API; may be called once. */
    void write(JsonGenerator out, ItemPages pages) {
        merge.write(out, pages);
    }

    /** Occurrences written to disk (zero when the document fitted in memory). */
    long spilled() {
        return merge.spilled();
    }

    @Override
    public void close() {
        merge.close();
    }

    private static byte[] bytes(JsonNode value) {
        return MessageCodec.mapper().writeValueAsBytes(value);
    }

    /** One item: the first occurrence without its provenance, the pages it was found on, its quotes by page. */
    private final class ItemFold implements FieldMerge.ItemFold {
        private final ByteArrayOutputStream quoteBytes = new ByteArrayOutputStream();
        private final JsonGenerator quotes = MessageCodec.mapper().createGenerator(quoteBytes);
        private final Set<String> quotesOnPage = new HashSet<>();
        private ObjectNode base;
        private int[] pages = new int[8];
        private int pageCount;
        private int lastPage = Integer.MIN_VALUE;

        ItemFold() {
            quotes.writeStartArray();
        }

        @Override
        public void add(int pageNumber, byte[] occurrence) {
            add(pageNumber, MessageCodec.mapper().readTree(occurrence));
        }

        @Override
        public void add(int pageNumber, JsonNode element) {
            if (base == null) {
                if (element.isObject()) {
                    base = ((ObjectNode) element).deepCopy();
                    base.remove(MergeKey.PROVENANCE_FIELDS);
                    base.remove(keys.occurrenceFields());
                } else {
                    base = NODES.objectNode();
                    base.set("value", element);
                }
            }
            if (pageNumber != lastPage) {
                if (pageCount == pages.length) {
                    pages = Arrays.copyOf(pages, pageCount * 2);
                }
                pages[pageCount++] = pageNumber;
                lastPage = pageNumber;
                quotesOnPage.clear();
            }
            JsonNode quote = element.path("quote");
            if (quote.isString() && !quote.stringValue().isBlank() && quotesOnPage.add(quote.stringValue())) {
                ObjectNode cited = NODES.objectNode().put("page", pageNumber).put("quote", quote.stringValue());
                for (String field : keys.occurrenceFields()) {
                    JsonNode value = element.get(field);
                    if (value != null && !cited.has(field)) {
                        cited.set(field, value);
                    }
                }
                quotes.writeTree(cited);
            }
        }

        @Override
        public byte[] finish() {
            quotes.writeEndArray();
            quotes.close();
            int[] sorted = Arrays.stream(pages, 0, pageCount).sorted().distinct().toArray();
            ByteArrayOutputStream item = new ByteArrayOutputStream();
            try (JsonGenerator out = MessageCodec.mapper().createGenerator(item)) {
                out.writeStartObject();
                base.forEachEntry((name, value) -> {
                    out.writeName(name);
                    out.writeTree(value);
                });
                out.writeName("pages");
                out.writeArray(sorted, 0, sorted.length);
                out.writeName("quotes");
                JsonStreams.copy(quoteBytes.toByteArray(), out);
                out.writeEndObject();
            }
            return item.toByteArray();
        }
    }
}
