package io.matterpipeline.extract;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Mono;

/**
 * Whether a Matter was cancelled, from ingest's cancel marker ({@link BlobPaths#matterCancellation}): one stat per
 * Matter and {@code recheck} at most, shared by every page of the Matter in flight, instead of a read per page. A
 * cancelled Matter stays cancelled, so that answer is kept; "not cancelled" is asked again after {@code recheck}, so a
 * page may still be read up to that long after a cancel (its result is final already and nobody waits for it). A
 * failed stat is not kept: the page fails and is retried like any other.
 */
final class CancelledMatters {

    /** How long a "cancelled" answer is kept: for good, as far as a worker's lifetime goes. */
    private static final Duration CANCELLED = Duration.ofDays(1);
    /** Matters remembered at once; past it, the memory starts over (a stat each). */
    private static final int MAX_MATTERS = 4096;

    private final BlobStore blobs;
    private final Duration recheck;
    private final Map<String, Mono<Boolean>> matters = new ConcurrentHashMap<>();

    CancelledMatters(BlobStore blobs, Duration recheck) {
        this.blobs = blobs;
        this.recheck = recheck;
    }

    /** Emits true when the Matter was cancelled. */
    Mono<Boolean> isCancelled(String matterId) {
        if (matters.size() > MAX_MATTERS) {
            matters.clear();
        }
        return matters.computeIfAbsent(matterId, id -> blobs.stat(BlobPaths.matterCancellation(id))
                .hasElement()
                .cache(cancelled -> cancelled ? CANCELLED : recheck, error -> Duration.ZERO, () -> Duration.ZERO));
    }
}
