package io.matterpipeline.bus.memory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
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
 * @param capacities the most messages a queue holds waiting for delivery, by queue name (queues not named are
 *     unbounded); a publish to a full queue completes only once receivers took enough messages to make room for it
 *     (backpressure: it waits without holding a thread, and neither drops nor fails). Messages put back by an abandon,
 *     an expired lock or a dead-letter replay are never refused, so a queue can hold that many more for a while
 */
public record InMemoryBusOptions(
        Duration lockDuration,
        int maxDeliveryCount,
        double duplicateDeliveryRate,
        double handlerCrashRate,
        Long seed,
        Duration lockCheckInterval,
        Map<String, Integer> capacities) {

    public InMemoryBusOptions {
        capacities = capacities == null ? Map.of() : Map.copyOf(capacities);
        capacities.forEach((queue, capacity) -> {
            if (capacity < 1) {
                throw new IllegalArgumentException("the capacity of queue " + queue + " must be >= 1");
            }
        });
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
        return new InMemoryBusOptions(Duration.ofSeconds(30), 10, 0, 0, null, Duration.ofMillis(50), Map.of());
    }

    public InMemoryBusOptions withLockDuration(Duration lockDuration) {
        return new InMemoryBusOptions(lockDuration, maxDeliveryCount, duplicateDeliveryRate, handlerCrashRate, seed,
                lockCheckInterval, capacities);
    }

    public InMemoryBusOptions withMaxDeliveryCount(int maxDeliveryCount) {
        return new InMemoryBusOptions(lockDuration, maxDeliveryCount, duplicateDeliveryRate, handlerCrashRate, seed,
                lockCheckInterval, capacities);
    }

    /** The same options with fault injection: duplicate deliveries and lost settlements, from a seeded source. */
    public InMemoryBusOptions withFaults(double duplicateDeliveryRate, double handlerCrashRate, Long seed) {
        return new InMemoryBusOptions(lockDuration, maxDeliveryCount, duplicateDeliveryRate, handlerCrashRate, seed,
                lockCheckInterval, capacities);
    }

    public InMemoryBusOptions withLockCheckInterval(Duration lockCheckInterval) {
        return new InMemoryBusOptions(lockDuration, maxDeliveryCount, duplicateDeliveryRate, handlerCrashRate, seed,
                lockCheckInterval, capacities);
    }

    /** The same options with {@code queue} holding at most {@code capacity} messages waiting for delivery. */
    public InMemoryBusOptions withCapacity(String queue, int capacity) {
        Map<String, Integer> bounded = new HashMap<>(capacities);
        bounded.put(Objects.requireNonNull(queue, "queue"), capacity);
        return new InMemoryBusOptions(lockDuration, maxDeliveryCount, duplicateDeliveryRate, handlerCrashRate, seed,
                lockCheckInterval, bounded);
    }

    /** The most messages {@code queue} holds waiting for delivery; {@link Integer#MAX_VALUE} when unbounded. */
    public int capacityOf(String queue) {
        return capacities.getOrDefault(queue, Integer.MAX_VALUE);
    }

    private static void requireRate(String name, double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1");
        }
    }
}
