package io.matterpipeline.bus.memory;

import java.time.Duration;
import java.util.Objects;

/**
 * How an {@link InMemoryMessageBus} behaves. Every queue uses {@link #lockDuration()} and {@link #maxDeliveryCount()}
 * unless declared otherwise with {@link InMemoryMessageBus#declareQueue}.
 *
 * @param lockDuration how long a delivery stays locked to its receiver before it is redelivered (Service Bus
 *     LockDuration)
 * @param maxDeliveryCount deliveries after which a message that keeps failing moves to the dead-letter queue with
 *     reason {@code MaxDeliveryCountExceeded} (Service Bus MaxDeliveryCount)
 * @param duplicateDeliveryRate fault injection, 0..1: the share of published messages enqueued twice, as a broker
 *     redelivery after a lost acknowledgement would produce
 * @param handlerCrashRate fault injection, 0..1: the share of {@code complete()} calls silently lost, as if the process
 *     crashed after doing the work and before settling; the lock then expires and the message is redelivered
 * @param seed seed of the fault-injection random source, for reproducible runs; null for a random seed
 * @param lockCheckInterval how often expired locks are looked for; an expired lock is noticed at most this late
 */
public record InMemoryBusOptions(
        Duration lockDuration,
        int maxDeliveryCount,
        double duplicateDeliveryRate,
        double handlerCrashRate,
        Long seed,
        Duration lockCheckInterval) {

    public InMemoryBusOptions {
        Objects.requireNonNull(lockDuration, "lockDuration");
        Objects.requireNonNull(lockCheckInterval, "lockCheckInterval");
        if (lockDuration.isNegative() || lockDuration.isZero()) {
            throw new IllegalArgumentException("lockDuration must be positive");
        }
        if (lockCheckInterval.isNegative() || lockCheckInterval.isZero()) {
            throw new IllegalArgumentException("lockCheckInterval must be positive");
        }
        if (maxDeliveryCount < 1) {
            throw new IllegalArgumentException("maxDeliveryCount must be >= 1");
        }
        requireRate("duplicateDeliveryRate", duplicateDeliveryRate);
        requireRate("handlerCrashRate", handlerCrashRate);
    }

    /** Service Bus defaults: 30 s locks, 10 deliveries, no faults, locks checked every 50 ms. */
    public static InMemoryBusOptions defaults() {
        return new InMemoryBusOptions(Duration.ofSeconds(30), 10, 0, 0, null, Duration.ofMillis(50));
    }

    public InMemoryBusOptions withLockDuration(Duration lockDuration) {
        return new InMemoryBusOptions(lockDuration, maxDeliveryCount, duplicateDeliveryRate, handlerCrashRate, seed,
                lockCheckInterval);
    }

    public InMemoryBusOptions withMaxDeliveryCount(int maxDeliveryCount) {
        return new InMemoryBusOptions(lockDuration, maxDeliveryCount, duplicateDeliveryRate, handlerCrashRate, seed,
                lockCheckInterval);
    }

    /** The same options with fault injection: duplicate deliveries and lost settlements, from a seeded source. */
    public InMemoryBusOptions withFaults(double duplicateDeliveryRate, double handlerCrashRate, Long seed) {
        return new InMemoryBusOptions(lockDuration, maxDeliveryCount, duplicateDeliveryRate, handlerCrashRate, seed,
                lockCheckInterval);
    }

    public InMemoryBusOptions withLockCheckInterval(Duration lockCheckInterval) {
        return new InMemoryBusOptions(lockDuration, maxDeliveryCount, duplicateDeliveryRate, handlerCrashRate, seed,
                lockCheckInterval);
    }

    private static void requireRate(String name, double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1");
        }
    }
}
