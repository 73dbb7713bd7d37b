package io.matterpipeline.bus;

import java.util.List;

/**
 * What a dead-letter replay did.
 *
 * @param replayed message ids sent back to the queue (and removed from the dead-letter queue)
 * @param skipped message ids that were selected but left in the dead-letter queue, with why in the log: replaying
 *     them now would be dropped by the broker's duplicate detection (their id was seen within the window)
 */
public record ReplayResult(List<String> replayed, List<String> skipped) {

    public ReplayResult {
        replayed = List.copyOf(replayed);
        skipped = List.copyOf(skipped);
    }
}
