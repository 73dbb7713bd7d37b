package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobContent;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.DelegatingBlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.memory.InMemoryBlobStore;
import io.matterpipeline.error.TransientException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The in-memory store, as the aggregator's tests need it: every write and read hops to the parallel scheduler, so
 * concurrent handlers really race; refused conditional writes are counted; a write can be made to fail once to
 * simulate a crash between two steps.
 */
final class MemoryBlobStore extends DelegatingBlobStore {

    private final AtomicLong conflicts = new AtomicLong();
    private final ConcurrentLinkedQueue<Predicate<String>> failOnce = new ConcurrentLinkedQueue<>();

    MemoryBlobStore() {
        super(InMemoryBlobStore.create());
    }

    /** The next put to a path matching {@code path} fails with a transient error (as if the process had died). */
    void failNextPut(Predicate<String> path) {
        failOnce.add(path);
    }

    /** Conditional writes refused so far. */
    long conflicts() {
        return conflicts.get();
    }

    /** The blob's bytes, or null when there is none. */
    byte[] bytes(String path) {
        BlobContent content = delegate.read(path).block();
        return content == null ? null : content.bytes();
    }

    @Override
    public Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition,
            Map<String, String> metadata) {
        return Mono.defer(() -> {
                    for (Predicate<String> failure : failOnce) {
                        if (failure.test(path) && failOnce.remove(failure)) {
                            return Mono.error(new TransientException("injected-crash",
                                    "Injected failure writing " + path));
                        }
                    }
                    return super.put(path, content, condition, metadata);
                })
                .doOnError(PutCondition::refused, refused -> conflicts.incrementAndGet())
                .subscribeOn(Schedulers.parallel());
    }

    @Override
    public Mono<BlobInfo> stat(String path) {
        return super.stat(path).subscribeOn(Schedulers.parallel());
    }

    @Override
    public Mono<BlobContent> read(String path) {
        return super.read(path).subscribeOn(Schedulers.parallel());
    }
}
