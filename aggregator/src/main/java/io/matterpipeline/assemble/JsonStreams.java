package io.matterpipeline.assemble;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.FatalErrors;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;

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

    /** Copies one JSON value, given as bytes, token by token into {@code out}. */
    static void copy(byte[] json, JsonGenerator out) {
        try (JsonParser parser = MessageCodec.mapper().createParser(json)) {
            parser.nextToken();
            out.copyCurrentStructure(parser);
        }
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
}
