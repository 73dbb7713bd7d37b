package io.matterpipeline.assemble;

import io.matterpipeline.contract.MessageCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;

/**
 * A JSON array written element by element to a temporary file and copied, token by token, into a result later: how
 * page entries and failures wait for the header that must precede them. The file is created with the first element;
 * blocking file I/O; {@link #close()} deletes it.
 */
final class JsonSpool implements AutoCloseable {

    private final Path directory;
    private final String prefix;
    private Path file;
    private JsonGenerator elements;

    JsonSpool(Path directory, String prefix) {
        this.directory = directory;
        this.prefix = prefix;
    }

    /** Where the next element is written (one complete JSON value per element). */
    JsonGenerator elements() {
        if (elements == null) {
            try {
                Files.createDirectories(directory);
                file = Files.createTempFile(directory, prefix, ".json");
                elements = MessageCodec.mapper().createGenerator(Files.newOutputStream(file));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot spool under " + directory, e);
            }
            elements.writeStartArray();
        }
        return elements;
    }

    /** Writes the array of every element so far into {@code out}; once. */
    void copyTo(JsonGenerator out) {
        if (elements == null) {
            out.writeStartArray();
            out.writeEndArray();
            return;
        }
        elements.writeEndArray();
        elements.close();
        elements = null;
        try (JsonParser spooled = MessageCodec.mapper().createParser(file.toFile())) {
            spooled.nextToken();
            out.copyCurrentStructure(spooled);
        }
    }

    @Override
    public void close() {
        if (elements != null) {
            elements.close();
            elements = null;
        }
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a file left in the temporary directory costs disk only
            }
        }
    }
}
