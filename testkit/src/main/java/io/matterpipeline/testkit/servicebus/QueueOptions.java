package io.matterpipeline.testkit.servicebus;

import java.time.Duration;
import java.util.Objects;

/**
 * One queue of the emulated namespace; its dead-letter sub-queue {@code <name>/$deadletterqueue} comes with it.
 * Immutable: the {@code with...} methods return changed copies.
 *
 * @param name                      queue name as clients address it (matched case-insensitively)
 * @param lockDuration              how long a peek-lock lasts before the message is redelivered (Service Bus: 5 s to 5 min; here any positive duration, so tests stay fast)
 * @param maxDeliveryCount          failed deliveries (abandon or lock expiry) after which a message moves to the dead-letter queue with reason {@code MaxDeliveryCountExceeded}
 * @param duplicateDetectionWindow  how long a MessageId is remembered to drop duplicate sends; {@link Duration#ZERO} disables duplicate detection
 */
public record QueueOptions(String name, Duration lockDuration, int maxDeliveryCount,
                           Duration duplicateDetectionWindow) {

    /** Service Bus defaults: lock 60 s, max delivery count 10. */
    public static final Duration DEFAULT_LOCK_DURATION = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_DELIVERY_COUNT = 10;

    public QueueOptions {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.contains("$")) {
            throw new IllegalArgumentException("Invalid queue name '" + name + "'");
        }
        Objects.requireNonNull(lockDuration, "lockDuration");
        if (lockDuration.isNegative() || lockDuration.isZero()) {
            throw new IllegalArgumentException("lockDuration must be positive: " + lockDuration);
        }
        if (maxDeliveryCount < 1) {
            throw new IllegalArgumentException("maxDeliveryCount must be at least 1: " + maxDeliveryCount);
        }
        Objects.requireNonNull(duplicateDetectionWindow, "duplicateDetectionWindow");
        if (duplicateDetectionWindow.isNegative()) {
            throw new IllegalArgumentException("duplicateDetectionWindow must not be negative");
        }
    }

    /** A queue with Service Bus defaults and duplicate detection off. */
    public static QueueOptions named(String name) {
        return new QueueOptions(name, DEFAULT_LOCK_DURATION, DEFAULT_MAX_DELIVERY_COUNT, Duration.ZERO);
    }

    public QueueOptions withLockDuration(Duration lockDuration) {
        return new QueueOptions(name, lockDuration, maxDeliveryCount, duplicateDetectionWindow);
    }

    public QueueOptions withMaxDeliveryCount(int maxDeliveryCount) {
        return new QueueOptions(name, lockDuration, maxDeliveryCount, duplicateDetectionWindow);
    }

    /** Enables duplicate detection by MessageId over the given window (Service Bus default: 10 minutes). */
    public QueueOptions withDuplicateDetection(Duration window) {
        return new QueueOptions(name, lockDuration, maxDeliveryCount, window);
    }

    boolean duplicateDetection() {
        return !duplicateDetectionWindow.isZero();
    }
}
