package io.matterpipeline.testkit.servicebus;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.qpid.proton.amqp.transport.DeliveryState;
import org.apache.qpid.proton.engine.Delivery;

/**
 * A queue or a dead-letter sub-queue: available messages in sequence order, locks, deferred and scheduled messages,
 * and the consumers it dispatches to. Confined to the emulator's event loop.
 */
final class EntityQueue {

    static final String DEAD_LETTER_REASON = "DeadLetterReason";
    static final String DEAD_LETTER_DESCRIPTION = "DeadLetterErrorDescription";
    static final String MAX_DELIVERY_COUNT_EXCEEDED = "MaxDeliveryCountExceeded";

    private final String path;
    private final QueueOptions options;
    private final EntityQueue deadLetterQueue;
    private final Namespace namespace;

    private long nextSequenceNumber = 1;
    private final TreeMap<Long, StoredMessage> available = new TreeMap<>();
    private final Map<UUID, MessageLock> locks = new LinkedHashMap<>();
    private final Map<Long, StoredMessage> deferred = new HashMap<>();
    private final Map<Long, StoredMessage> scheduled = new HashMap<>();
    private final Map<Long, Long> scheduleTimers = new HashMap<>();
    private final LinkedHashMap<String, Instant> recentMessageIds = new LinkedHashMap<>();
    private final List<QueueConsumer> consumers = new ArrayList<>();
    private int nextConsumer;
    /** Messages handed to a receiver since this emulator started, and those of them that were delivered before. */
    private long deliveries;
    private long redeliveries;

    EntityQueue(String path, QueueOptions options, EntityQueue deadLetterQueue, Namespace namespace) {
        this.path = path;
        this.options = options;
        this.deadLetterQueue = deadLetterQueue;
        this.namespace = namespace;
    }

    String path() {
        return path;
    }

    boolean isDeadLetterQueue() {
        return deadLetterQueue == null;
    }

    EntityQueue deadLetterQueue() {
        return deadLetterQueue;
    }

    // ---- sending ----

    /** Takes a sent message; a duplicate MessageId inside the detection window is dropped silently. */
    void send(StoredMessage message) {
        if (isDuplicate(message)) {
            return;
        }
        Instant at = message.requestedEnqueueTime();
        if (at != null && at.isAfter(namespace.now())) {
            schedule(message, at);
        } else {
            enqueue(message);
        }
    }

    /** Holds a message invisible until {@code at}; returns its sequence number (to cancel it). */
    long schedule(StoredMessage message, Instant at) {
        long sequenceNumber = nextSequenceNumber++;
        message.sequenceNumber = sequenceNumber;
        message.enqueuedTime = at;
        message.state = StoredMessage.State.SCHEDULED;
        scheduled.put(sequenceNumber, message);
        persist(message);
        Duration delay = Duration.between(namespace.now(), at);
        scheduleTimers.put(sequenceNumber, namespace.setTimer(delay, () -> activate(sequenceNumber)));
        return sequenceNumber;
    }

    boolean cancelScheduled(long sequenceNumber) {
        Long timer = scheduleTimers.remove(sequenceNumber);
        if (timer != null) {
            namespace.cancelTimer(timer);
        }
        if (scheduled.remove(sequenceNumber) == null) {
            return false;
        }
        forget(sequenceNumber);
        return true;
    }

    private void activate(long sequenceNumber) {
        scheduleTimers.remove(sequenceNumber);
        StoredMessage message = scheduled.remove(sequenceNumber);
        if (message != null) {
            message.state = StoredMessage.State.ACTIVE;
            message.enqueuedTime = namespace.now();
            available.put(sequenceNumber, message);
            persist(message);
            dispatch();
        }
    }

    private void enqueue(StoredMessage message) {
        message.sequenceNumber = nextSequenceNumber++;
        message.enqueuedTime = namespace.now();
        message.state = StoredMessage.State.ACTIVE;
        available.put(message.sequenceNumber, message);
        persist(message);
        dispatch();
    }

    private boolean isDuplicate(StoredMessage message) {
        if (!options.duplicateDetection() || isDeadLetterQueue() || message.messageId() == null) {
            return false;
        }
        Instant now = namespace.now();
        Iterator<Instant> seen = recentMessageIds.values().iterator();
        while (seen.hasNext() && seen.next().plus(options.duplicateDetectionWindow()).isBefore(now)) {
            seen.remove();
        }
        if (recentMessageIds.putIfAbsent(message.messageId(), now) != null) {
            return true;
        }
        if (namespace.journal() != null) {
            namespace.journal().seen(path, message.messageId(), now);
        }
        return false;
    }

    // ---- durability (a no-op without a data directory) ----

    /** Records the message as it now is, before the client hears of the change. */
    private void persist(StoredMessage message) {
        if (namespace.journal() != null) {
            namespace.journal().put(path, message, message.senderBytes(namespace.codec()));
        }
    }

    /** Records that the message left this entity. */
    private void forget(long sequenceNumber) {
        if (namespace.journal() != null) {
            namespace.journal().remove(path, sequenceNumber);
        }
    }

    /**
     * Takes back what the journal held for this entity after a restart. Locks are gone, as after a real failover:
     * messages that were locked are available again, with the delivery count they had.
     */
    void restore(Journal.EntityState state) {
        nextSequenceNumber = Math.max(nextSequenceNumber, state.highestSequenceNumber + 1);
        recentMessageIds.putAll(state.seenMessageIds);
        for (Journal.Entry entry : state.messages.values()) {
            StoredMessage message = StoredMessage.restore(entry, namespace.codec());
            switch (message.state) {
                case ACTIVE -> available.put(message.sequenceNumber, message);
                case DEFERRED -> deferred.put(message.sequenceNumber, message);
                case SCHEDULED -> {
                    long sequenceNumber = message.sequenceNumber;
                    scheduled.put(sequenceNumber, message);
                    Duration delay = Duration.between(namespace.now(), message.enqueuedTime);
                    scheduleTimers.put(sequenceNumber, namespace.setTimer(delay.isNegative() ? Duration.ZERO : delay,
                            () -> activate(sequenceNumber)));
                }
            }
        }
    }

    /**
     * After every entity was restored: a message whose last allowed delivery was in flight when the process died goes
     * to the dead-letter queue, as that lock's expiry would have sent it.
     */
    void deadLetterExhausted() {
        if (isDeadLetterQueue()) {
            return;
        }
        List<StoredMessage> exhausted = available.values().stream()
                .filter(message -> message.deliveryCount >= options.maxDeliveryCount())
                .toList();
        for (StoredMessage message : exhausted) {
            available.remove(message.sequenceNumber);
            moveToDeadLetterQueue(message, MAX_DELIVERY_COUNT_EXCEEDED,
                    "Message could not be consumed after " + options.maxDeliveryCount() + " delivery attempts.");
        }
    }

    // ---- delivering ----

    void addConsumer(QueueConsumer consumer) {
        consumers.add(consumer);
    }

    void removeConsumer(QueueConsumer consumer) {
        consumers.remove(consumer);
        for (MessageLock lock : locks.values()) {
            if (lock.consumer == consumer) {
                lock.consumer = null;
                lock.delivery = null;
            }
        }
    }

    /** Hands available messages to consumers round-robin, one per unit of credit, never beyond it. */
    void dispatch() {
        if (consumers.isEmpty()) {
            return;
        }
        Set<ClientConnection> touched = new LinkedHashSet<>();
        boolean delivered = true;
        while (delivered && !available.isEmpty()) {
            delivered = false;
            for (int i = 0; i < consumers.size() && !available.isEmpty(); i++) {
                QueueConsumer consumer = consumers.get(Math.floorMod(nextConsumer++, consumers.size()));
                if (consumer.hasCredit()) {
                    deliver(consumer, available.pollFirstEntry().getValue());
                    touched.add(consumer.connection());
                    delivered = true;
                }
            }
        }
        for (QueueConsumer consumer : consumers) {
            if (consumer.drainIfRequested()) {
                touched.add(consumer.connection());
            }
        }
        touched.forEach(ClientConnection::flush);
    }

    private void deliver(QueueConsumer consumer, StoredMessage message) {
        deliveries++;
        if (message.deliveryCount > 0) {
            redeliveries++;
        }
        if (consumer.receiveAndDelete()) {
            byte[] tag = Long.toString(message.sequenceNumber).getBytes(StandardCharsets.US_ASCII);
            forget(message.sequenceNumber);
            consumer.send(message.encode(namespace.codec(), null), tag, null);
            return;
        }
        MessageLock lock = lock(message);
        lock.consumer = consumer;
        lock.delivery = consumer.send(message.encode(namespace.codec(), lock.lockedUntil),
                AmqpCodec.lockTokenTag(lock.token), lock.token);
    }

    private MessageLock lock(StoredMessage message) {
        if (namespace.journal() != null) {
            // Counted if the process dies holding the lock, as the lock's expiry would have counted it.
            namespace.journal().delivered(path, message.sequenceNumber, message.deliveryCount + 1);
        }
        MessageLock lock = new MessageLock(UUID.randomUUID(), message, this,
                namespace.now().plus(options.lockDuration()));
        lock.expiryTimer = namespace.setTimer(options.lockDuration(), () -> expire(lock));
        locks.put(lock.token, lock);
        return lock;
    }

    MessageLock findLock(UUID token) {
        return locks.get(token);
    }

    // ---- settling ----

    void complete(MessageLock lock, DeliveryState outcome) {
        release(lock, outcome);
        forget(lock.message.sequenceNumber);
    }

    /** Returns the message for another attempt; {@code countsAsAttempt} is false for a plain AMQP release. */
    void abandon(MessageLock lock, Map<String, ?> propertiesToModify, boolean countsAsAttempt, DeliveryState outcome) {
        release(lock, outcome);
        lock.message.modifyApplicationProperties(propertiesToModify, namespace.codec());
        if (countsAsAttempt) {
            lock.message.deliveryCount++;
        }
        requeue(lock.message);
    }

    void defer(MessageLock lock, Map<String, ?> propertiesToModify, DeliveryState outcome) {
        release(lock, outcome);
        lock.message.modifyApplicationProperties(propertiesToModify, namespace.codec());
        lock.message.state = StoredMessage.State.DEFERRED;
        deferred.put(lock.message.sequenceNumber, lock.message);
        persist(lock.message);
    }

    void deadLetter(MessageLock lock, String reason, String description, Map<String, ?> propertiesToModify,
                    DeliveryState outcome) {
        release(lock, outcome);
        lock.message.modifyApplicationProperties(propertiesToModify, namespace.codec());
        if (isDeadLetterQueue()) {
            // Service Bus cannot dead-letter from a dead-letter queue; the message simply stays there.
            requeue(lock.message);
        } else {
            moveToDeadLetterQueue(lock.message, reason, description);
        }
    }

    /** Extends a lock to now + lock duration; returns the new expiry. */
    Instant renew(MessageLock lock) {
        namespace.cancelTimer(lock.expiryTimer);
        lock.lockedUntil = namespace.now().plus(options.lockDuration());
        lock.expiryTimer = namespace.setTimer(options.lockDuration(), () -> expire(lock));
        return lock.lockedUntil;
    }

    private void expire(MessageLock lock) {
        if (locks.remove(lock.token) == null) {
            return;
        }
        // The client's unsettled delivery stays open: settling it later is answered with message-lock-lost.
        lock.message.deliveryCount++;
        requeue(lock.message);
    }

    private void release(MessageLock lock, DeliveryState outcome) {
        locks.remove(lock.token);
        namespace.cancelTimer(lock.expiryTimer);
        Delivery delivery = lock.delivery;
        if (delivery != null && !delivery.isSettled() && lock.consumer != null) {
            // Settled through $management while the delivering link is still attached: close it there too.
            delivery.disposition(outcome);
            delivery.settle();
            lock.consumer.connection().flush();
        }
        lock.delivery = null;
    }

    private void requeue(StoredMessage message) {
        if (!isDeadLetterQueue() && message.deliveryCount >= options.maxDeliveryCount()) {
            moveToDeadLetterQueue(message, MAX_DELIVERY_COUNT_EXCEEDED,
                    "Message could not be consumed after " + options.maxDeliveryCount() + " delivery attempts.");
        } else if (message.state == StoredMessage.State.DEFERRED) {
            deferred.put(message.sequenceNumber, message);
            persist(message);
        } else {
            available.put(message.sequenceNumber, message);
            persist(message);
            dispatch();
        }
    }

    private void moveToDeadLetterQueue(StoredMessage message, String reason, String description) {
        forget(message.sequenceNumber);
        StoredMessage dead = message.copy();
        Map<String, Object> deadLetterProperties = new LinkedHashMap<>();
        if (reason != null) {
            deadLetterProperties.put(DEAD_LETTER_REASON, reason);
        }
        if (description != null) {
            deadLetterProperties.put(DEAD_LETTER_DESCRIPTION, description);
        }
        dead.modifyApplicationProperties(deadLetterProperties, namespace.codec());
        dead.deadLetterSource = path;
        deadLetterQueue.enqueue(dead);
    }

    // ---- reading without locking, and by sequence number ----

    /** Active, locked, deferred and scheduled messages from a sequence number on, in order; nothing is locked. */
    List<StoredMessage> peek(long fromSequenceNumber, int count) {
        TreeMap<Long, StoredMessage> all = new TreeMap<>();
        all.putAll(available.tailMap(fromSequenceNumber, true));
        for (MessageLock lock : locks.values()) {
            all.put(lock.message.sequenceNumber, lock.message);
        }
        all.putAll(deferred);
        all.putAll(scheduled);
        return all.tailMap(fromSequenceNumber, true).values().stream().limit(Math.max(count, 0)).toList();
    }

    Instant lockedUntil(StoredMessage message) {
        for (MessageLock lock : locks.values()) {
            if (lock.message == message) {
                return lock.lockedUntil;
            }
        }
        return null;
    }

    /**
     * Takes deferred messages by sequence number: locked (peek-lock) or removed (receive-and-delete).
     *
     * @throws IllegalStateException naming the first sequence number that is not a deferred, unlocked message
     */
    List<Map.Entry<StoredMessage, MessageLock>> receiveDeferred(Collection<Long> sequenceNumbers, boolean peekLock) {
        for (Long sequenceNumber : sequenceNumbers) {
            if (!deferred.containsKey(sequenceNumber)) {
                throw new IllegalStateException(String.valueOf(sequenceNumber));
            }
        }
        List<Map.Entry<StoredMessage, MessageLock>> received = new ArrayList<>();
        for (Long sequenceNumber : sequenceNumbers) {
            StoredMessage message = deferred.remove(sequenceNumber);
            if (!peekLock) {
                forget(sequenceNumber);
            }
            received.add(new AbstractMap.SimpleImmutableEntry<>(message, peekLock ? lock(message) : null));
        }
        return received;
    }

    // ---- introspection ----

    /** Messages that are neither scheduled nor deferred, locked or not. */
    int activeMessageCount() {
        int lockedActive = 0;
        for (MessageLock lock : locks.values()) {
            if (lock.message.state == StoredMessage.State.ACTIVE) {
                lockedActive++;
            }
        }
        return available.size() + lockedActive;
    }

    long deliveries() {
        return deliveries;
    }

    /** Deliveries of messages whose delivery count was above zero: abandoned, or locked and not settled in time. */
    long redeliveries() {
        return redeliveries;
    }

    int scheduledMessageCount() {
        return scheduled.size();
    }

    int deferredMessageCount() {
        int lockedDeferred = 0;
        for (MessageLock lock : locks.values()) {
            if (lock.message.state == StoredMessage.State.DEFERRED) {
                lockedDeferred++;
            }
        }
        return deferred.size() + lockedDeferred;
    }

    void cancelTimers() {
        locks.values().forEach(lock -> namespace.cancelTimer(lock.expiryTimer));
        scheduleTimers.values().forEach(namespace::cancelTimer);
    }
}
