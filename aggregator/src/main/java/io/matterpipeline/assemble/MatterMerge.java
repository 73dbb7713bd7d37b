package io.matterpipeline.assemble;

import io.matterpipeline.contract.MessageCodec;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Merges the document-level items of a Matter's documents (each produced by {@link DocumentMerge}) into Matter-level
 * items, with the same rules: array elements deduplicated by {@link MergeKey} in first-seen order (documents are
 * added in sealed order), other fields by vote. A merged element carries {@code documents}
 * ({@code [{documentId, fileName, pages}]}) and {@code quotes} ({@code [{documentId, page, quote}]}); it has no
 * top-level {@code pages}, since page numbers only mean something within one document.
 *
 * <p>Documents' items are read from a parser, element by element, so neither a document's items nor the Matter's
 * are ever whole in memory ({@link FieldMerge} spills to disk); one merged item is built in memory at a time. Not
 * thread-safe; blocking file I/O; {@link #close()} deletes the spill files.
 */
final class MatterMerge implements AutoCloseable {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Provenance that can be long (one entry per occurrence): never part of an item's identity, never a tree. */
    private static final Set<String> OCCURRENCE_LISTS = Set.of("quotes", "pages", "documents");

    private final MergeKey keys;
    private final FieldMerge merge;
    private final List<DocumentRef> documents = new ArrayList<>();

    MatterMerge(MergeKey keys, Path spillDirectory, long memoryBytes) {
        this.keys = keys;
        this.merge = new FieldMerge(ItemFold::new, spillDirectory, memoryBytes);
    }

    /**
     * Adds one document's merged items; called once per document, in sealed order. {@code items} is positioned on the
     * items value (an object; anything else adds nothing) and is left on its end; null when the document has none.
     */
    void addDocument(String documentId, String fileName, JsonParser items) {
        int position = documents.size();
        documents.add(new DocumentRef(documentId, fileName));
        if (items == null) {
            return;
        }
        if (items.currentToken() != JsonToken.START_OBJECT) {
            items.skipChildren();
            return;
        }
        while (items.nextToken() == JsonToken.PROPERTY_NAME) {
            int field = merge.field(items.currentName());
            JsonToken value = items.nextToken();
            if (value == JsonToken.START_ARRAY) {
                merge.markArray(field);
                while (items.nextToken() != JsonToken.END_ARRAY) {
                    if (items.currentToken() == JsonToken.START_OBJECT) {
                        ObjectNode identity = NODES.objectNode();
                        byte[] element = readItem(items, identity);
                        merge.addItem(field, keys.ofItem(identity), position, element);
                    } else {
                        items.skipChildren();
                    }
                }
            } else {
                JsonNode scalar = items.readValueAsTree();
                merge.addVote(field, keys.ofValue(scalar), position,
                        MessageCodec.mapper().writeValueAsBytes(scalar));
            }
        }
    }

    /**
     * Copies the object the parser is on into bytes, collecting into {@code identity} every field but the occurrence
     * lists (which {@link MergeKey#ofItem} ignores anyway, and which may be long).
     */
    private static byte[] readItem(JsonParser parser, ObjectNode identity) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator out = MessageCodec.mapper().createGenerator(bytes)) {
            out.writeStartObject();
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                out.writeName(name);
                if (OCCURRENCE_LISTS.contains(name)) {
                    out.copyCurrentStructure(parser);
                } else {
                    JsonNode value = parser.readValueAsTree();
                    identity.set(name, value);
                    out.writeTree(value);
                }
            }
            out.writeEndObject();
        }
        return bytes.toByteArray();
    }

    /** Writes the merged items as a JSON object, and into {@code pages} for the items API; may be called once. */
    void write(JsonGenerator out, ItemPages pages) {
        merge.write(out, pages);
    }

    /** Occurrences written to disk (zero when the Matter fitted in memory). */
    long spilled() {
        return merge.spilled();
    }

    @Override
    public void close() {
        merge.close();
    }

    private record DocumentRef(String documentId, String fileName) {
    }

    /** One item: the first document item's fields, the documents and pages it was found on, every quote. */
    private final class ItemFold implements FieldMerge.ItemFold {
        private final ByteArrayOutputStream quoteBytes = new ByteArrayOutputStream();
        private final JsonGenerator quotes = MessageCodec.mapper().createGenerator(quoteBytes);
        private final Map<String, Found> found = new LinkedHashMap<>();
        private ObjectNode base;

        ItemFold() {
            quotes.writeStartArray();
        }

        @Override
        public void add(int position, byte[] occurrence) {
            DocumentRef document = documents.get(position);
            Found in = found.computeIfAbsent(document.documentId(), id -> new Found(document.fileName()));
            boolean first = base == null;
            if (first) {
                base = NODES.objectNode();
            }
            try (JsonParser parser = MessageCodec.mapper().createParser(occurrence)) {
                parser.nextToken();
                while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if (name.equals("pages") && value == JsonToken.START_ARRAY) {
                        while (parser.nextToken() != JsonToken.END_ARRAY) {
                            if (parser.currentToken() == JsonToken.VALUE_NUMBER_INT
                                    && parser.getNumberType() == JsonParser.NumberType.INT) {
                                in.pages.add(parser.getIntValue());
                            } else {
                                parser.skipChildren();
                            }
                        }
                    } else if (name.equals("quotes") && value == JsonToken.START_ARRAY) {
                        while (parser.nextToken() != JsonToken.END_ARRAY) {
                            copyQuote(parser, document.documentId());
                        }
                    } else if (first && !MergeKey.PROVENANCE_FIELDS.contains(name)
                            && !keys.occurrenceFields().contains(name)) {
                        base.set(name, parser.readValueAsTree());
                    } else {
                        parser.skipChildren();
                    }
                }
            }
        }

        /**
         * Copies the quote the parser is on into {@code quotes} as it streams, its document first (a quote's own
         * {@code documentId}, never written by a document result, is left out; anything but an object cites only the
         * document): a tree per quote was much of a large Matter's assembly.
         */
        private void copyQuote(JsonParser parser, String documentId) {
            quotes.writeStartObject();
            quotes.writeStringProperty("documentId", documentId);
            if (parser.currentToken() == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    if (name.equals("documentId")) {
                        parser.skipChildren();
                    } else {
                        quotes.writeName(name);
                        quotes.copyCurrentStructure(parser);
                    }
                }
            } else {
                parser.skipChildren();
            }
            quotes.writeEndObject();
        }

        @Override
        public byte[] finish() {
            quotes.writeEndArray();
            quotes.close();
            ByteArrayOutputStream item = new ByteArrayOutputStream();
            try (JsonGenerator out = MessageCodec.mapper().createGenerator(item)) {
                out.writeStartObject();
                base.forEachEntry((name, value) -> {
                    out.writeName(name);
                    out.writeTree(value);
                });
                out.writeName("documents");
                out.writeStartArray();
                found.forEach((documentId, in) -> {
                    out.writeStartObject();
                    out.writeStringProperty("documentId", documentId);
                    out.writeStringProperty("fileName", in.fileName);
                    out.writeName("pages");
                    out.writeStartArray();
                    in.pages.forEach(out::writeNumber);
                    out.writeEndArray();
                    out.writeEndObject();
                });
                out.writeEndArray();
                out.writeName("quotes");
                JsonStreams.copy(quoteBytes.toByteArray(), out);
                out.writeEndObject();
            }
            return item.toByteArray();
        }
    }

    private static final class Found {
        private final String fileName;
        private final TreeSet<Integer> pages = new TreeSet<>();

        Found(String fileName) {
            this.fileName = fileName;
        }
    }
}
