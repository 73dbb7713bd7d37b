package io.matterpipeline.assemble;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.FatalErrors;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.SerializableString;

/**
 * Bridges between blocking JSON streaming (Jackson's {@link JsonGenerator} and {@link JsonParser}) and the blob store's
 * streaming bodies, so results are written and read piece by piece and never whole.
 */
final class JsonStreams {

    /** Bytes handed to the blob store at a time. */
    static final int CHUNK = 64 * 1024;
    private static final Executor WRITERS = task -> Schedulers.boundedElastic().schedule(task);

    private JsonStreams() {
    }

    /**
     * A body for {@code BlobStore.put}: {@code writer} runs on a thread that may block when the body is subscribed, and
     * its output is passed on in chunks as the store asks for them (a writer ahead of the store waits). An exception
     * or {@link Error} of the writer fails the body, so the put fails rather than waiting forever.
     */
    static Flux<ByteBuffer> body(Consumer<JsonGenerator> writer) {
        Consumer<OutputStream> handler = out -> {
            try (JsonGenerator generator = MessageCodec.mapper().createGenerator(out)) {
                writer.accept(generator);
            } catch (Error error) {
                FatalErrors.haltIfFatal(error);
                // Spring's publisher reports exceptions only; an Error would leave the put waiting forever.
                throw new IllegalStateException("The result writer failed: " + error, error);
            }
        };
        return Flux.from(DataBufferUtils.outputStreamPublisher(handler, DefaultDataBufferFactory.sharedInstance,
                WRITERS, CHUNK)).map(JsonStreams::toByteBuffer);
    }

    /**
     * Writes one JSON value, given as the UTF-8 bytes our own generator wrote (so known to be one valid value), into
     * {@code out} as it is: copying it token by token re-parsed and re-encoded every merged item at assembly.
     */
    static void copy(byte[] json, JsonGenerator out) {
        out.writeRawValue(new RawJson(json));
    }

    private static ByteBuffer toByteBuffer(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return ByteBuffer.wrap(bytes);
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    /**
     * UTF-8 bytes of JSON as a raw value: Jackson's byte generator appends them to its buffer unchanged; the char
     * methods are for generators that write characters.
     */
    private record RawJson(byte[] utf8) implements SerializableString {

        @Override
        public String getValue() {
            return new String(utf8, StandardCharsets.UTF_8);
        }

        @Override
        public int charLength() {
            return getValue().length();
        }

        @Override
        public byte[] asUnquotedUTF8() {
            return utf8;
        }

        @Override
        public int appendUnquotedUTF8(byte[] buffer, int offset) {
            if (offset + utf8.length > buffer.length) {
                return -1;
            }
            System.arraycopy(utf8, 0, buffer, offset, utf8.length);
            return utf8.length;
        }

        @Override
        public int appendUnquoted(char[] buffer, int offset) {
            String value = getValue();
            if (offset + value.length() > buffer.length) {
                return -1;
            }
            value.getChars(0, value.length(), buffer, offset);
            return value.length();
        }

        @Override
        public int writeUnquotedUTF8(OutputStream out) throws IOException {
            out.write(utf8);
            return utf8.length;
        }

        @Override
        public int putUnquotedUTF8(ByteBuffer buffer) {
            if (utf8.length > buffer.remaining()) {
                return -1;
            }
            buffer.put(utf8);
            return utf8.length;
        }

        // Quoting is for names and string values; a raw value is never quoted.
        @Override
        public char[] asQuotedChars() {
            throw new UnsupportedOperationException("a raw JSON value is not quoted");
        }

        @Override
        public byte[] asQuotedUTF8() {
            throw new UnsupportedOperationException("a raw JSON value is not quoted");
        }

        @Override
        public int appendQuotedUTF8(byte[] buffer, int offset) {
            throw new UnsupportedOperationException("a raw JSON value is not quoted");
        }

        @Override
        public int appendQuoted(char[] buffer, int offset) {
            throw new UnsupportedOperationException("a raw JSON value is not quoted");
        }

        @Override
        public int writeQuotedUTF8(OutputStream out) {
            throw new UnsupportedOperationException("a raw JSON value is not quoted");
        }

        @Override
        public int putQuotedUTF8(ByteBuffer buffer) {
            throw new UnsupportedOperationException("a raw JSON value is not quoted");
        }
    }
}
