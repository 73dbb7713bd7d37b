package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobInputStream;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.SealedDocument;
import io.matterpipeline.error.PoisonException;
import io.matterpipeline.progress.MatterStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;

/**
 * The Matter result (what {@code result.json} and {@code GET /v1/matters/{id}/result} show), built from the document
 * results in sealed order as a stream, in two passes over the stored document results: {@link #summarise()} reads
 * each once for the counts, models, failures (spooled to a file) and items (into a {@link MatterMerge}); then
 * {@link #write} streams the header, failures, merged items and each document result (read again and copied as
 * stored). The first pass reads no further than a document's items when its summary counts no failed page.
 * Memory does not grow with the Matter. The same document results give the same result, except {@code completedAt}.
 *
 * <p>{@code model} is the one model name that answered, or, when pages were read by several models, their distinct
 * names sorted and joined with {@code ", "} ({@code models} lists them); null when no page was read. Blocking I/O
 * (the store read through {@link BlobInputStream}, spill files): runs on a thread that may block. Not
 * thread-safe; {@link #close()} deletes the spill files.
 */
final class MatterResult implements AutoCloseable {

    /** Version of the result layout; raised on incompatible changes. */
    static final int SCHEMA_VERSION = 1;

    private final BlobStore store;
    private final String matterId;
    private final List<SealedDocument> documents;
    private final Instant completedAt;
    private final MatterMerge merge;
    private final JsonSpool failures;
    private final int requestsInFlight;
    private final TreeSet<String> models = new TreeSet<>();
    private long pages;
    private long pagesExtracted;
    private long pagesFailed;
    private long promptTokens;
    private long outputTokens;
    private long modelMillis;
    private int completed;
    private int partial;
    private int failed;
    private boolean summarised;

    MatterResult(BlobStore store, String matterId, List<SealedDocument> documents, Instant completedAt,
            MergeKey keys, AssemblySettings settings) {
        this.store = store;
        this.matterId = matterId;
        this.documents = List.copyOf(documents);
        this.completedAt = completedAt;
        this.failures = new JsonSpool(settings.spillDirectory(), "failures-");
        this.requestsInFlight = settings.readConcurrency();
        this.merge = new MatterMerge(keys, settings.spillDirectory(), settings.memoryBytes());
    }

    /** COMPLETED when every document completed; FAILED when there are none or all failed; PARTIAL otherwise. */
    static MatterStatus status(int documents, int completed, int failed) {
        if (documents == 0 || failed == documents) {
            return MatterStatus.FAILED;
        }
        return completed == documents ? MatterStatus.COMPLETED : MatterStatus.PARTIAL;
    }

    /** The Matter's status; after {@link #summarise()}. */
    MatterStatus status() {
        requireSummarised();
        return status(documents.size(), completed, failed);
    }

    /** The first pass: reads every document result once. */
    void summarise() {
        for (SealedDocument document : documents) {
            readDocumentResult(document, parser -> summariseDocument(document, parser));
        }
        summarised = true;
    }

    private void summariseDocument(SealedDocument document, JsonParser parser) {
        boolean itemsSeen = false;
        long failedPages = -1;
        String status = "";
        fields:
        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            switch (name) {
                case "status" -> status = parser.currentToken() == JsonToken.VALUE_STRING ? parser.getString() : "";
                case "summary" -> {
                    JsonNode summary = parser.readValueAsTree();
                    pages += summary.path("pages").asLong();
                    pagesExtracted += summary.path("pagesExtracted").asLong();
                    failedPages = summary.path("pagesFailed").asLong(-1);
                    pagesFailed += Math.max(0, failedPages);
                    promptTokens += summary.path("promptTokens").asLong();
                    outputTokens += summary.path("outputTokens").asLong();
                    modelMillis += summary.path("modelMillis").asLong();
                }
                case "models" -> parser.<JsonNode>readValueAsTree().values()
                        .forEach(model -> models.add(model.asString()));
                case "failure" -> {
                    JsonNode failure = parser.readValueAsTree();
                    if (failure.isObject()) {
                        writeFailure(document, null, failure);
                    }
                }
                case "items" -> {
                    merge.addDocument(document.documentId(), document.fileName(), parser);
                    itemsSeen = true;
                }
                case "pages" -> {
                    if (failedPages != 0) {
                        summarisePages(document, parser);
                    } else if (itemsSeen) {
                        // No page failed and the items are merged: nothing after the pages is needed (the pages
                        // are most of a document result; the second pass copies them).
                        break fields;
                    } else {
                        parser.skipChildren();
                    }
                }
                default -> parser.skipChildren();
            }
        }
        if (!itemsSeen) {
            merge.addDocument(document.documentId(), document.fileName(), null);
        }
        switch (status) {
            case "COMPLETED" -> completed++;
            case "FAILED" -> failed++;
            default -> partial++;
        }
    }

    /** Page failures, without reading any page whole: only its number and failure are looked at. */
    private void summarisePages(SealedDocument document, JsonParser parser) {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            parser.skipChildren();
            return;
        }
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                parser.skipChildren();
                continue;
            }
            int pageNumber = 0;
            JsonNode failure = null;
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                if (name.equals("pageNumber")) {
                    pageNumber = parser.currentToken().isNumeric() ? parser.getValueAsInt() : 0;
                } else if (name.equals("failure")) {
                    failure = parser.readValueAsTree();
                } else {
                    parser.skipChildren();
                }
            }
            if (failure != null && failure.isObject()) {
                writeFailure(document, pageNumber, failure);
            }
        }
    }

    private void writeFailure(SealedDocument document, Integer pageNumber, JsonNode note) {
        JsonGenerator failure = failures.elements();
        failure.writeStartObject();
        failure.writeStringProperty("documentId", document.documentId());
        failure.writeStringProperty("fileName", document.fileName());
        DocumentAssembler.writeNumber(failure, "pageNumber", pageNumber);
        failure.writeName("reason");
        failure.writeTree(note.path("reason"));
        failure.writeName("description");
        failure.writeTree(note.path("description"));
        failure.writeEndObject();
    }

    /** The second pass: writes the result; after {@link #summarise()}, once. */
    void write(JsonGenerator out) {
        requireSummarised();
        out.writeStartObject();
        out.writeNumberProperty("schemaVersion", SCHEMA_VERSION);
        out.writeStringProperty("matterId", matterId);
        out.writeStringProperty("status", status().name());
        out.writeStringProperty("model", models.isEmpty() ? null : String.join(", ", models));
        out.writeName("models");
        out.writeStartArray();
        models.forEach(out::writeString);
        out.writeEndArray();
        out.writeStringProperty("completedAt", completedAt.toString());
        out.writeName("summary");
        out.writeStartObject();
        out.writeNumberProperty("documents", documents.size());
        out.writeNumberProperty("documentsCompleted", completed);
        out.writeNumberProperty("documentsPartial", partial);
        out.writeNumberProperty("documentsFailed", failed);
        out.writeNumberProperty("pages", pages);
        out.writeNumberProperty("pagesExtracted", pagesExtracted);
        out.writeNumberProperty("pagesFailed", pagesFailed);
        out.writeNumberProperty("promptTokens", promptTokens);
        out.writeNumberProperty("outputTokens", outputTokens);
        out.writeNumberProperty("modelMillis", modelMillis);
        out.writeEndObject();
        out.writeName("failures");
        failures.copyTo(out);
        out.writeName("items");
        merge.write(out, new ItemPages(store, BlobPaths.matterItems(matterId), requestsInFlight));
        out.writeName("documents");
        out.writeStartArray();
        for (SealedDocument document : documents) {
            out.writeStartObject();
            out.writeStringProperty("documentId", document.documentId());
            out.writeStringProperty("fileName", document.fileName());
            if (!copyAsStored(document, out)) {
                readDocumentResult(document, parser -> {
                    while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                        String name = parser.currentName();
                        parser.nextToken();
                        if (name.equals("matterId") || name.equals("documentId")) {
                            parser.skipChildren();
                        } else {
                            out.writeName(name);
                            out.copyCurrentStructure(parser);
                        }
                    }
                });
            }
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeEndObject();
    }

    /**
     * Copies the fields of a document result that follow its leading {@code matterId} and {@code documentId} into
     * {@code out} as the bytes stored, without parsing them: the document results are written by this service's own
     * generator (compact, valid JSON, written whole or not at all), and their pages are most of the Matter result, so
     * re-parsing and re-encoding them token by token was most of the Matter's assembly after its last page. False,
     * with nothing written, when the result does not start with those two fields (then it is copied token by token).
     */
    private boolean copyAsStored(SealedDocument document, JsonGenerator out) {
        return readDocumentResult(document, (in, parser) -> {
            if (!"matterId".equals(parser.nextName()) || parser.nextToken() != JsonToken.VALUE_STRING
                    || !"documentId".equals(parser.nextName()) || parser.nextToken() != JsonToken.VALUE_STRING) {
                return false;
            }
            parser.getString(); // the value is read lazily: what is released below must start after it
            out.flush();
            WithoutClosingBrace rest = new WithoutClosingBrace((OutputStream) out.streamWriteOutputTarget());
            parser.releaseBuffered(rest);
            in.transferTo(rest);
            if (!rest.endedWithClosingBrace()) {
                throw new PoisonException("corrupt-result", "The document result of " + document.documentId()
                        + " does not end its object");
            }
            return true;
        });
    }

    /**
     * Passes bytes on except the last {@code '}'} and any whitespace after it: the rest of a JSON object's fields,
     * which the Matter result's own object for the document closes.
     */
    private static final class WithoutClosingBrace extends OutputStream {
        private final OutputStream target;
        private final ByteArrayOutputStream heldBack = new ByteArrayOutputStream();

        WithoutClosingBrace(OutputStream target) {
            this.target = target;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            int last = offset + length - 1;
            while (last >= offset && isWhitespace(bytes[last])) {
                last--;
            }
            if (last < offset) {
                heldBack.write(bytes, offset, length);
                return;
            }
            heldBack.writeTo(target);
            heldBack.reset();
            target.write(bytes, offset, last - offset);
            heldBack.write(bytes, last, offset + length - last);
        }

        boolean endedWithClosingBrace() {
            byte[] tail = heldBack.toByteArray();
            return tail.length > 0 && tail[0] == '}';
        }

        private static boolean isWhitespace(byte b) {
            return b == ' ' || b == '\n' || b == '\r' || b == '\t';
        }
    }

    /** Streams a stored document result into {@code reader}, positioned inside its top-level object. */
    private void readDocumentResult(SealedDocument document, Consumer<JsonParser> reader) {
        readDocumentResult(document, (in, parser) -> {
            reader.accept(parser);
            return null;
        });
    }

    /** Opens a stored document result for {@code reader}, the parser positioned inside its top-level object. */
    private <T> T readDocumentResult(SealedDocument document, ResultReader<T> reader) {
        String path = BlobPaths.documentResult(matterId, document.documentId());
        try (InputStream in = BlobInputStream.of(store.get(path));
                JsonParser parser = MessageCodec.mapper().createParser(in)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new PoisonException("corrupt-result", "The document result " + path + " is not a JSON object");
            }
            return reader.read(in, parser);
        } catch (JacksonException e) {
            if (e.getCause() instanceof IOException) {
                throw e; // the store, not the content
            }
            throw new PoisonException("corrupt-result", "The document result " + path + " is not readable: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + path, e);
        }
    }

    /** Reads a document result from its stream, through {@code parser} or past it. */
    private interface ResultReader<T> {
        T read(InputStream in, JsonParser parser) throws IOException;
    }

    private void requireSummarised() {
        if (!summarised) {
            throw new IllegalStateException("summarise() first");
        }
    }

    @Override
    public void close() {
        failures.close();
        merge.close();
    }
}
