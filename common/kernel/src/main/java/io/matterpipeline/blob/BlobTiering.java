package io.matterpipeline.blob;

import java.util.Collection;
import reactor.core.publisher.Mono;

/**
 * An optional capability of a {@link BlobStore}: moving blobs that are kept but rarely read (the source documents of a
 * completed Matter) to cheaper storage. The Azure store moves them to the Cool access tier; a store without tiers does
 * not implement this interface, so callers look for it ({@code instanceof} or an optional bean) and skip archiving
 * when it is absent.
 */
public interface BlobTiering {

    /**
     * Moves the given blobs to the infrequent-access tier; they stay readable at the same paths. Missing blobs are
     * ignored. Emits how many blobs were moved; fails with {@link io.matterpipeline.error.TransientException} when some
     * could not be moved after retries (calling again is safe).
     */
    Mono<Long> archive(Collection<String> paths);
}
