package io.matterpipeline.bus;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The last {@code capacity} keys added, oldest forgotten first; thread-safe. What a dead-letter sweep has already
 * handled, so that the next pass does not do it again: bounded, because dead letters stay until an operator removes
 * them, and forgetting one only repeats an idempotent step.
 */
public final class RecentKeys {

    private final Set<String> keys;

    public RecentKeys(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.keys = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        }));
    }

    public void add(String key) {
        keys.add(key);
    }

    public boolean contains(String key) {
        return keys.contains(key);
    }

    /** The key of a dead letter: its queue, message id and place in the dead-letter queue. */
    public static String of(DeadLetter letter) {
        return letter.queue() + "/" + letter.messageId() + "/" + letter.sequenceNumber();
    }
}
