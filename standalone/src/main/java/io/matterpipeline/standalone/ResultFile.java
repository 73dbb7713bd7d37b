package io.matterpipeline.standalone;

import io.matterpipeline.blob.BlobInputStream;
import io.matterpipeline.contract.MessageCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;

/**
 * {@code result.json} of the {@code process} command, written and read as streams: a Matter result of any size
 * passes through in chunks, never whole in memory.
 */
final class ResultFile {

    /** Failed pages listed on the console; result.json has all of them. */
    static final int LISTED_FAILURES = 20;

    private ResultFile() {
    }

    /** A file the ingest service refused: listed under {@code rejected}. */
    record Rejected(String fileName, String reason, String description) {
    }

    /** What the console shows of a result. */
    record Summary(String matterId, String status, String model, JsonNode counts, List<String> documents,
            List<String> rejected, List<String> failedPages, long moreFailedPages) {
    }

    /**
     * Writes {@code body} to {@code file} (through a sibling {@code .partial}, moved into place at the end). Without
     * rejected files the bytes are copied as they are; with some, the result is copied token by token, pretty-printed,
     * with {@code rejected} added as its last field.
     */
    static void write(Flux<ByteBuffer> body, List<Rejected> rejected, Path file) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try (InputStream in = BlobInputStream.of(body); OutputStream out = Files.newOutputStream(partial)) {
            if (rejected.isEmpty()) {
                in.transferTo(out);
            } else {
                copyWithRejected(in, out, rejected);
            }
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void copyWithRejected(InputStream in, OutputStream out, List<Rejected> rejected) {
        try (JsonParser parser = MessageCodec.mapper().createParser(in);
                JsonGenerator generator = MessageCodec.mapper().writerWithDefaultPrettyPrinter().createGenerator(out)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalStateException("The Matter result is not a JSON object");
            }
            generator.writeStartObject();
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                generator.writeName(parser.currentName());
                parser.nextToken();
                generator.copyCurrentStructure(parser);
            }
            generator.writeName("rejected");
            generator.writeStartArray();
            for (Rejected file : rejected) {
                generator.writeStartObject();
                generator.writeStringProperty("fileName", file.fileName());
                generator.writeStringProperty("reason", file.reason());
                generator.writeStringProperty("description", file.description());
                generator.writeEndObject();
            }
            generator.writeEndArray();
            generator.writeEndObject();
        }
    }

    /** Reads what the console shows, skipping items and pages without building them. */
    static Summary summary(Path file) {
        String matterId = null;
        String status = null;
        String model = null;
        JsonNode counts = MessageCodec.mapper().createObjectNode();
        List<String> documents = new ArrayList<>();
        List<String> rejected = new ArrayList<>();
        List<String> failedPages = new ArrayList<>();
        long moreFailedPages = 0;
        try (JsonParser parser = MessageCodec.mapper().createParser(file.toFile())) {
            parser.nextToken();
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                switch (name) {
                    case "matterId" -> matterId = parser.getValueAsString();
                    case "status" -> status = parser.getValueAsString();
                    case "model" -> model = parser.getValueAsString();
                    case "summary" -> counts = parser.readValueAsTree();
                    case "documents" -> {
                        while (parser.nextToken() == JsonToken.START_OBJECT) {
                            documents.add(documentLine(parser));
                        }
                    }
                    case "rejected" -> {
                        while (parser.nextToken() == JsonToken.START_OBJECT) {
                            JsonNode entry = parser.readValueAsTree();
                            rejected.add(entry.path("fileName").asString() + ": " + entry.path("reason").asString());
                        }
                    }
                    case "failures" -> {
                        while (parser.nextToken() == JsonToken.START_OBJECT) {
                            JsonNode failure = parser.readValueAsTree();
                            if (failure.path("pageNumber").isNumber()) {
                                if (failedPages.size() < LISTED_FAILURES) {
                                    failedPages.add(failure.path("fileName").asString() + " page "
                                            + failure.path("pageNumber").asInt() + ": "
                                            + failure.path("reason").asString());
                                } else {
                                    moreFailedPages++;
                                }
                            }
                        }
                    }
                    default -> parser.skipChildren();
                }
            }
        }
        return new Summary(matterId, status, model, counts, documents, rejected, failedPages, moreFailedPages);
    }

    private static String documentLine(JsonParser parser) {
        String fileName = null;
        String status = null;
        int pageCount = 0;
        String failure = null;
        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            switch (name) {
                case "fileName" -> fileName = parser.getValueAsString();
                case "status" -> status = parser.getValueAsString();
                case "pageCount" -> pageCount = parser.getValueAsInt();
                case "failure" -> {
                    JsonNode note = parser.readValueAsTree();
                    failure = note.isObject() ? note.path("reason").asString() : null;
                }
                default -> parser.skipChildren();
            }
        }
        return String.format("%-40s %-9s %3d pages%s", fileName, status, pageCount,
                failure == null ? "" : "  (" + failure + ")");
    }
}
