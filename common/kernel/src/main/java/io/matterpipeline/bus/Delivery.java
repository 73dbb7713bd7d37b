package io.matterpipeline.bus;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * One received message under a lock (peek-lock semantics). The handler settles it explicitly, once, and only after
 * its effects are durable:
 * <ul>
 *   <li>{@link #complete()} — done; the message is removed;</li>
 *   <li>{@link #abandon()} — retry later; the message is redelivered with {@link #deliveryCount()} + 1, and moves to
 *       the dead-letter queue with reason {@code MaxDeliveryCountExceeded} once the queue's max delivery count is
 *       reached;</li>
 *   <li>{@link #deadLetter(String, String)} — poison; the message moves to the dead-letter queue keeping the reason
 *       and description.</li>
 * </ul>
 * A delivery that is never settled is redelivered when its lock expires; {@link #renewLock()} keeps the lock of a
 * long-running handler. Settling after the lock was lost fails with {@link LockLostException}.
 */
public interface Delivery {

    /** The message id given at publish time. */
    String messageId();

    /** The message type property. */
    String type();

    /** The message body. */
    byte[] body();

    /** Application properties. */
    Map<String, String> properties();

    /** Previous failed delivery attempts: 0 on the first delivery. */
    int deliveryCount();

    /** When the current lock expires unless renewed. */
    Instant lockedUntil();

    /** The queue's lock duration: how often a long-running handler must renew. */
    Duration lockDuration();

    /** Removes the message. */
    Mono<Void> complete();

    /** Releases the message for redelivery, counting one failed attempt. */
    Mono<Void> abandon();

    /** Moves the message to the dead-letter queue with a short reason and a longer description. */
    Mono<Void> deadLetter(String reason, String description);

    /** Extends the lock by the lock duration; emits the new expiry. */
    Mono<Instant> renewLock();
}
