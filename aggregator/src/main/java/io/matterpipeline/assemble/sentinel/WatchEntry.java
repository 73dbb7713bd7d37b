package io.matterpipeline.assemble.sentinel;

import java.time.Instant;

/**
 * A sealed Matter on the watchdog's list ({@code BlobPaths.watch}).
 *
 * @param sealedAt when the aggregator recorded the seal
 * @param attempts times the watchdog tried to finish the Matter
 * @param lastError what the last attempt failed with; null if none failed
 */
public record WatchEntry(String matterId, Instant sealedAt, int attempts, String lastError) {

    WatchEntry attempted() {
        return new WatchEntry(matterId, sealedAt, attempts + 1, lastError);
    }

    WatchEntry failed(String error) {
        return new WatchEntry(matterId, sealedAt, attempts, error);
    }
}
