package io.matterpipeline.bus.memory;

import io.matterpipeline.bus.MessageBus;
import java.time.Duration;
import java.util.List;
import reactor.core.scheduler.Schedulers;

/**
 * A {@link MessageBus} in this JVM with Azure Service Bus queue semantics, for the single-JVM mode and tests:
 * peek-lock deliveries with a lock timeout (an expired lock redelivers the message with its delivery count + 1),
 * abandon, a max delivery count after which the message moves to the queue's dead-letter queue with reason
 * {@code MaxDeliveryCountExceeded}, dead-lettering with a reason and description, lock renewal, and
 * {@link io.matterpipeline.bus.LockLostException} when settling a delivery whose lock expired. Queues are created on
 * first use. Messages live in memory only: they are lost when the JVM stops.
 *
 * <p>Fault injection ({@link InMemoryBusOptions}) makes at-least-once delivery visible: duplicate deliveries and
 * settlements lost as if the process crashed before settling.
 *
 * <p>Deliveries are emitted on {@link Schedulers#parallel()} threads; {@link #close()} completes every receiving
 * {@code Flux} and stops the lock timer.
 */
public interface InMemoryMessageBus extends MessageBus, AutoCloseable {

    /** The reason a message gets when it moves to the dead-letter queue after too many deliveries. */
    String MAX_DELIVERY_COUNT_EXCEEDED = "MaxDeliveryCountExceeded";

    /** A new bus; close it when done. */
    static InMemoryMessageBus create(InMemoryBusOptions options) {
        return new DefaultInMemoryMessageBus(options, Schedulers.parallel());
    }

    /**
     * Creates a queue with its own lock duration and max delivery count, or changes them for an existing queue
     * (deliveries already handed out keep their lock).
     */
    void declareQueue(String queue, Duration lockDuration, int maxDeliveryCount);

    /** The dead-lettered messages of a queue, oldest first (empty for an unknown queue). */
    List<DeadLetteredMessage> deadLetters(String queue);

    /** Messages of a queue waiting for delivery or locked by a receiver, excluding dead-lettered ones. */
    int activeCount(String queue);

    /**
     * Moves every dead-lettered message of a queue back to the queue, with a fresh delivery count, after the cause
     * was fixed. Returns how many were moved.
     */
    int replayDeadLetters(String queue);

    /** Stops the lock timer and completes every receiver; later publishes fail. */
    @Override
    void close();
}
