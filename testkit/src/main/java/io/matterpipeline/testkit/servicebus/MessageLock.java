package io.matterpipeline.testkit.servicebus;

import java.time.Instant;
import java.util.UUID;

import org.apache.qpid.proton.engine.Delivery;

/**
 * A peek-lock on one message. It outlives the link that delivered it: the SDK settles through {@code $management}
 * once its receive link has closed, so only expiry or settlement by token ends a lock.
 */
final class MessageLock {

    final UUID token;
    final StoredMessage message;
    final EntityQueue queue;
    Instant lockedUntil;
    long expiryTimer;
    /** The consumer and unsettled delivery that carried the lock, while that link is attached; else null. */
    QueueConsumer consumer;
    Delivery delivery;

    MessageLock(UUID token, StoredMessage message, EntityQueue queue, Instant lockedUntil) {
        this.token = token;
        this.message = message;
        this.queue = queue;
        this.lockedUntil = lockedUntil;
    }
}
