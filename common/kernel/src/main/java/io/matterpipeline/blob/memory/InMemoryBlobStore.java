package io.matterpipeline.blob.memory;

import io.matterpipeline.blob.BlobContent;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPathRules;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.NotFoundException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link BlobStore} in the process's memory: nothing outlives the process. For the pipeline's own cost in
 * benchmarks ({@code bench --blob memory}: no file or network I/O under the pipeline's code), tests and demonstrations,
 * never for a Matter that matters.
 *
 * <p>It keeps the port's contract except streaming: a blob is held whole, as one byte array. Every write gets a new
 * ETag; a conditional write checks and commits atomically (a lock-free map's compute), so concurrent writers race as
 * they do on Azure. Reads hand out copies and chunks of at most {@value #CHUNK_SIZE} bytes. Operations run on the
 * caller's thread and never block: there is nothing to wait for.
 */
public final class InMemoryBlobStore implements BlobStore {

    /** The most bytes one buffer of {@link #get} carries, as a store reading from a socket or a file would. */
    static final int CHUNK_SIZE = 64 * 1024;

    private final ConcurrentSkipListMap<String, Stored> blobs = new ConcurrentSkipListMap<>();
    private final AtomicLong versions = new AtomicLong();

    private InMemoryBlobStore() {
    }

    /** An empty store. */
    public static InMemoryBlobStore create() {
        return new InMemoryBlobStore();
    }

    private record Stored(byte[] bytes, String etag, Instant lastModified, Map<String, String> metadata) {

        BlobInfo info(String path) {
            return new BlobInfo(path, bytes.length, etag, lastModified, metadata);
        }
    }

    @Override
    public Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition,
            Map<String, String> metadata) {
        return write(path, content.collect(ByteArrayOutputStream::new, InMemoryBlobStore::append)
                .map(ByteArrayOutputStream::toByteArray), condition, metadata);
    }

    @Override
    public Mono<BlobInfo> putBytes(String path, byte[] bytes, PutCondition condition) {
        return write(path, Mono.fromCallable(bytes::clone), condition, Map.of());
    }

    /** Checks the arguments when subscribed, then commits the body once it is all there. */
    private Mono<BlobInfo> write(String path, Mono<byte[]> body, PutCondition condition,
            Map<String, String> metadata) {
        return Mono.defer(() -> {
            String blobPath = BlobPathRules.requirePath(path);
            Objects.requireNonNull(condition, "condition");
            Map<String, String> kept = metadata == null ? Map.of() : Map.copyOf(metadata);
            return body.map(bytes -> commit(blobPath, bytes, condition, kept).info(blobPath));
        });
    }

    private static void append(ByteArrayOutputStream body, ByteBuffer buffer) {
        if (buffer.hasArray()) {
            body.write(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
            buffer.position(buffer.limit());
        } else {
            byte[] chunk = new byte[buffer.remaining()];
            buffer.get(chunk);
            body.writeBytes(chunk);
        }
    }

    /** The condition and the write in one step: {@code compute} leaves the entry as it was when it throws. */
    private Stored commit(String blobPath, byte[] bytes, PutCondition condition, Map<String, String> metadata) {
        return blobs.compute(blobPath, (unused, current) -> {
            boolean holds = condition instanceof PutCondition.IfMatch ifMatch
                    ? current != null && current.etag().equals(ifMatch.etag())
                    : condition != PutCondition.ifAbsent() || current == null;
            if (!holds) {
                throw new ConflictException(PutCondition.REFUSED, "Blob " + blobPath
                        + " does not match the condition " + condition);
            }
            return new Stored(bytes, "\"0x" + Long.toHexString(versions.incrementAndGet()) + "\"", Instant.now(),
                    metadata);
        });
    }

    @Override
    public Flux<ByteBuffer> get(String path) {
        return Flux.defer(() -> {
            String blobPath = BlobPathRules.requirePath(path);
            Stored stored = blobs.get(blobPath);
            if (stored == null) {
                return Flux.error(new NotFoundException("blob-not-found", "Blob " + blobPath + " does not exist"));
            }
            byte[] bytes = stored.bytes();
            int chunks = Math.max(1, (bytes.length + CHUNK_SIZE - 1) / CHUNK_SIZE);
            return Flux.range(0, chunks).map(chunk -> {
                int offset = chunk * CHUNK_SIZE;
                return ByteBuffer.wrap(bytes, offset, Math.min(CHUNK_SIZE, bytes.length - offset)).slice()
                        .asReadOnlyBuffer();
            });
        });
    }

    @Override
    public Mono<BlobContent> read(String path) {
        return Mono.fromCallable(() -> {
            Stored stored = blobs.get(BlobPathRules.requirePath(path));
            return stored == null ? null : new BlobContent(stored.bytes().clone(), stored.etag());
        });
    }

    @Override
    public Mono<BlobInfo> stat(String path) {
        return Mono.fromCallable(() -> {
            String blobPath = BlobPathRules.requirePath(path);
            Stored stored = blobs.get(blobPath);
            return stored == null ? null : stored.info(blobPath);
        });
    }

    @Override
    public Flux<BlobInfo> list(String prefix) {
        return Flux.defer(() -> {
            String validPrefix = BlobPathRules.requirePrefix(prefix);
            ConcurrentNavigableMap<String, Stored> from = blobs.tailMap(validPrefix, true);
            return Flux.fromIterable(from.entrySet())
                    .takeWhile(entry -> entry.getKey().startsWith(validPrefix))
                    .map(entry -> entry.getValue().info(entry.getKey()));
        });
    }

    @Override
    public Mono<Long> deleteAll(Collection<String> paths) {
        return Mono.fromCallable(() -> {
            Objects.requireNonNull(paths, "paths");
            // Every path checked before any is deleted: a bad one deletes nothing.
            return paths.stream().map(BlobPathRules::requirePath).distinct().toList().stream()
                    .filter(blobPath -> blobs.remove(blobPath) != null)
                    .count();
        });
    }
}
