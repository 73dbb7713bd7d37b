package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobContent;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.DelegatingBlobStore;
import io.matterpipeline.blob.PutCondition;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The store as one aggregator instance sees it. Writes of a Matter result fail part way through the streamed body
 * with whatever {@code failure} throws (an exception, or an {@link Error} as an allocation would), the first
 * {@code times} times. Once the instance is {@linkplain #stop() stopped} — its process halted — nothing it asks of
 * the store ever happens again, as for a process that is gone.
 */
final class FailingMatterResults extends DelegatingBlobStore {

    private final AtomicInteger remaining;
    private final Runnable failure;
    private final AtomicBoolean stopped = new AtomicBoolean();

    FailingMatterResults(BlobStore delegate, int times, Runnable failure) {
        super(delegate);
        this.remaining = new AtomicInteger(times);
        this.failure = failure;
    }

    /** The process of this instance is gone: its requests from now on never complete. */
    void stop() {
        stopped.set(true);
    }

    @Override
    public Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition,
            Map<String, String> metadata) {
        return whileAlive(() -> {
            if (!path.endsWith("/result.json") || path.contains("/documents/") || remaining.getAndDecrement() <= 0) {
                return super.put(path, content, condition, metadata);
            }
            return super.put(path, content.index().map(chunk -> {
                if (chunk.getT1() == 0) {
                    failure.run();
                }
                return chunk.getT2();
            }), condition, metadata);
        });
    }

    @Override
    public Flux<ByteBuffer> get(String path) {
        return whileAliveMany(() -> super.get(path));
    }

    @Override
    public Mono<BlobInfo> stat(String path) {
        return whileAlive(() -> super.stat(path));
    }

    @Override
    public Flux<BlobInfo> list(String prefix) {
        return whileAliveMany(() -> super.list(prefix));
    }

    @Override
    public Mono<Long> deleteAll(Collection<String> paths) {
        return whileAlive(() -> super.deleteAll(paths));
    }

    @Override
    public Mono<BlobContent> read(String path) {
        return whileAlive(() -> super.read(path));
    }

    /**
     * The request, unless the instance is stopped when it is made: checked at subscription, so that a request put
     * together before the halt and started after it (a retry, a timer) does not happen either.
     */
    private <T> Mono<T> whileAlive(Supplier<Mono<T>> request) {
        return Mono.defer(() -> stopped.get() ? Mono.never() : request.get());
    }

    /** {@link #whileAlive} for requests of many values. */
    private <T> Flux<T> whileAliveMany(Supplier<Flux<T>> request) {
        return Flux.defer(() -> stopped.get() ? Flux.never() : request.get());
    }
}
