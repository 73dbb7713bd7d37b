package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobContent;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.TransientException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A blob store in memory with atomic conditional writes, for the aggregator's tests (until common's filesystem store
 * is used). Every call hops to the parallel scheduler, so concurrent handlers really race. Writes can be made to fail
 * once to simulate a crash between two steps.
 */
final class MemoryBlobStore implements BlobStore {

    private final TreeMap<String, Stored> blobs = new TreeMap<>();
    private final AtomicLong versions = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final ConcurrentLinkedQueue<Predicate<String>> failOnce = new ConcurrentLinkedQueue<>();

    private record Stored(byte[] bytes, String etag, Map<String, String> metadata) {
    }

    /** The next put to a path matching {@code path} fails with a transient error (as if the process had died). */
    void failNextPut(Predicate<String> path) {
        failOnce.add(path);
    }

    /** Conditional writes rejected so far. */
    long conflicts() {
        return conflicts.get();
    }

    synchronized byte[] bytes(String path) {
        Stored stored = blobs.get(path);
        return stored == null ? null : stored.bytes.clone();
    }

    @Override
    public Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition, Map<String, String> metadata) {
        return content.collect(ByteArrayOutputStream::new, (out, buffer) -> {
                    byte[] chunk = new byte[buffer.remaining()];
                    buffer.get(chunk);
                    out.writeBytes(chunk);
                })
                .publishOn(Schedulers.parallel())
                .map(out -> write(path, out.toByteArray(), condition, metadata));
    }

    private BlobInfo write(String path, byte[] bytes, PutCondition condition, Map<String, String> metadata) {
        for (Predicate<String> failure : failOnce) {
            if (failure.test(path) && failOnce.remove(failure)) {
                throw new TransientException("injected-crash", "Injected failure writing " + path);
            }
        }
        synchronized (this) {
            Stored current = blobs.get(path);
            if (condition instanceof PutCondition.IfAbsent && current != null
                    || condition instanceof PutCondition.IfMatch ifMatch
                    && (current == null || !current.etag.equals(ifMatch.etag()))) {
                conflicts.incrementAndGet();
                throw new ConflictException("precondition-failed", "Condition " + condition + " failed for " + path);
            }
            String etag = "\"" + versions.incrementAndGet() + "\"";
            blobs.put(path, new Stored(bytes, etag, metadata == null ? Map.of() : Map.copyOf(metadata)));
            return new BlobInfo(path, bytes.length, etag, Instant.now(), metadata);
        }
    }

    @Override
    public Flux<ByteBuffer> get(String path) {
        return read(path)
                .switchIfEmpty(Mono.error(() -> new NotFoundException("blob-not-found", "No blob at " + path)))
                .map(content -> ByteBuffer.wrap(content.bytes()))
                .flux();
    }

    @Override
    public Mono<BlobInfo> stat(String path) {
        return Mono.fromCallable(() -> {
            synchronized (this) {
                Stored stored = blobs.get(path);
                return stored == null ? null
                        : new BlobInfo(path, stored.bytes.length, stored.etag, Instant.now(), stored.metadata);
            }
        }).subscribeOn(Schedulers.parallel());
    }

    @Override
    public Flux<BlobInfo> list(String prefix) {
        return Flux.defer(() -> {
            synchronized (this) {
                return Flux.fromIterable(blobs.tailMap(prefix).entrySet().stream()
                        .takeWhile(entry -> entry.getKey().startsWith(prefix))
                        .map(entry -> new BlobInfo(entry.getKey(), entry.getValue().bytes.length,
                                entry.getValue().etag, Instant.now(), entry.getValue().metadata))
                        .toList());
            }
        });
    }

    @Override
    public Mono<Long> deleteAll(Collection<String> paths) {
        return Mono.fromCallable(() -> {
            synchronized (this) {
                return paths.stream().filter(path -> blobs.remove(path) != null).count();
            }
        });
    }

    @Override
    public Mono<BlobContent> read(String path) {
        return Mono.fromCallable(() -> {
            synchronized (this) {
                Stored stored = blobs.get(path);
                return stored == null ? null : new BlobContent(stored.bytes.clone(), stored.etag);
            }
        }).subscribeOn(Schedulers.parallel());
    }
}
