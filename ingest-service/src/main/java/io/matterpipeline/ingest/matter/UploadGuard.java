package io.matterpipeline.ingest.matter;

import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TooLargeException;
import java.nio.ByteBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Counts an upload while it streams: fails it as soon as it passes the size limit (cancelling the rest, so a huge body
 * is never read to the end) and fails an empty one at its end, before a blob store could commit it. One instance per
 * upload. The failure is also remembered, so it survives a blob store adapter that wraps errors of its source.
 */
final class UploadGuard {

    private final long maxBytes;
    private final String what;
    private long bytes;
    private volatile PipelineException failure;

    UploadGuard(long maxBytes, String what) {
        this.maxBytes = maxBytes;
        this.what = what;
    }

    Flux<ByteBuffer> guard(Flux<ByteBuffer> content) {
        return content
                .map(buffer -> {
                    bytes += buffer.remaining();
                    if (bytes > maxBytes) {
                        throw fail(new TooLargeException("document-too-large",
                                what + " is larger than the limit of " + maxBytes + " bytes"));
                    }
                    return buffer;
                })
                .concatWith(Mono.defer(() -> bytes == 0
                        ? Mono.error(fail(new BadInputException("empty-document", what + " is empty (0 bytes)")))
                        : Mono.empty()));
    }

    /** The guard's own failure if it caused {@code error}, otherwise {@code error}. */
    Throwable explain(Throwable error) {
        PipelineException own = failure;
        return own != null ? own : error;
    }

    private PipelineException fail(PipelineException error) {
        failure = error;
        return error;
    }
}
