package io.matterpipeline.blob;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The blob store port. Adapters: Azure Blob Storage (production), a filesystem store (single-JVM mode, tests) and
 * one in memory (benchmarks, tests).
 *
 * <p>Paths are {@code /}-separated relative paths (see {@link BlobPaths}); every write is atomic: a reader sees the
 * old or the new content, never a mix. Bodies stream: neither {@link #put} nor {@link #get} holds a whole blob in
 * memory. Errors arrive inside the returned publishers: {@link io.matterpipeline.error.NotFoundException} for a missing
 * blob, {@link io.matterpipeline.error.ConflictException} (reason {@code precondition-failed}) when a
 * {@link PutCondition} does not hold.
 */
public interface BlobStore {

    /**
     * The container an Azure store uses when none is configured; the Blob-upload trigger's inbox lives in the store's
     * own container, so ingest needs the name without compiling against the Azure adapter.
     */
    String DEFAULT_CONTAINER = "matter-pipeline";

    /** Writes {@code content} at {@code path} if {@code condition} holds; emits the new blob's info. */
    Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition, Map<String, String> metadata);

    /** Streams the blob's bytes. */
    Flux<ByteBuffer> get(String path);

    /** The blob's info, or empty when it does not exist. */
    Mono<BlobInfo> stat(String path);

    /** Every blob whose path starts with {@code prefix}, in lexicographic path order. */
    Flux<BlobInfo> list(String prefix);

    /** Deletes the given blobs; missing ones are ignored. Emits how many were deleted. */
    Mono<Long> deleteAll(Collection<String> paths);

    /** Writes a small in-memory body. */
    default Mono<BlobInfo> putBytes(String path, byte[] bytes, PutCondition condition) {
        return put(path, Flux.just(ByteBuffer.wrap(bytes)), condition, Map.of());
    }

    /** Reads a small blob whole, with its ETag, or empty when it does not exist. */
    Mono<BlobContent> read(String path);
}
