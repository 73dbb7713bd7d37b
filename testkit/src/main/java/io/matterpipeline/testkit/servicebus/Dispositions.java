package io.matterpipeline.testkit.servicebus;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.messaging.Accepted;
import org.apache.qpid.proton.amqp.messaging.Modified;
import org.apache.qpid.proton.amqp.messaging.Rejected;
import org.apache.qpid.proton.amqp.messaging.Released;
import org.apache.qpid.proton.amqp.transport.DeliveryState;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;

/**
 * How a settlement is applied to a locked message, whether it arrives as an AMQP outcome on the receive link or as
 * a {@code $management} update-disposition: complete = Accepted, abandon = Modified, defer = Modified
 * undeliverable-here, dead-letter = Rejected {@code com.microsoft:dead-letter}. The echo is settled and of the same
 * outcome type; an expired lock is answered with Rejected {@code com.microsoft:message-lock-lost}.
 */
final class Dispositions {

    static final Symbol DEAD_LETTER = Symbol.valueOf("com.microsoft:dead-letter");
    static final Symbol MESSAGE_LOCK_LOST = Symbol.valueOf("com.microsoft:message-lock-lost");
    static final String LOCK_LOST_DESCRIPTION = "The lock supplied is invalid. Either the lock expired, or the message "
            + "has already been removed from the queue.";

    private Dispositions() {
    }

    /**
     * Applies an outcome the client sent on the delivering link and returns the outcome to echo, settled: the same
     * one, or Rejected {@code com.microsoft:message-lock-lost} when the lock is gone.
     */
    static DeliveryState settleFromLink(Namespace namespace, UUID token, DeliveryState outcome) {
        MessageLock lock = namespace.findLock(token);
        if (lock == null) {
            return lockLost();
        }
        lock.delivery = null; // the caller settles the delivery itself, echoing the outcome
        EntityQueue queue = lock.queue;
        if (outcome instanceof Accepted) {
            queue.complete(lock, outcome);
        } else if (outcome instanceof Modified modified) {
            Map<String, Object> properties = stringKeys(modified.getMessageAnnotations());
            if (Boolean.TRUE.equals(modified.getUndeliverableHere())) {
                queue.defer(lock, properties, outcome);
            } else {
                queue.abandon(lock, properties, true, outcome);
            }
        } else if (outcome instanceof Rejected rejected) {
            ErrorCondition error = rejected.getError();
            Map<String, Object> info = error == null ? new LinkedHashMap<>() : stringKeys(error.getInfo());
            Object reason = info.remove(EntityQueue.DEAD_LETTER_REASON);
            Object description = info.remove(EntityQueue.DEAD_LETTER_DESCRIPTION);
            if (reason == null && error != null && !DEAD_LETTER.equals(error.getCondition())) {
                reason = String.valueOf(error.getCondition());
                description = error.getDescription();
            }
            // Echo the outcome type without the error: the Java SDK checks the type, the Node SDK fails the
            // settlement when the echoed state carries an error.
            Rejected echo = new Rejected();
            queue.deadLetter(lock, stringOrNull(reason), stringOrNull(description), info, echo);
            return echo;
        } else if (outcome instanceof Released) {
            queue.abandon(lock, Map.of(), false, outcome);
        } else {
            queue.abandon(lock, Map.of(), true, outcome);
        }
        return outcome;
    }

    /**
     * Applies a {@code $management} update-disposition ({@code completed}, {@code abandoned}, {@code suspended} =
     * dead-letter, {@code defered}).
     *
     * @throws IllegalArgumentException for another status
     */
    static void settleByStatus(MessageLock lock, String status, String reason, String description,
                               Map<String, Object> propertiesToModify) {
        EntityQueue queue = lock.queue;
        switch (status) {
            case "completed" -> queue.complete(lock, Accepted.getInstance());
            case "abandoned" -> queue.abandon(lock, propertiesToModify, true, new Modified());
            case "defered", "deferred" -> {
                Modified deferred = new Modified();
                deferred.setUndeliverableHere(true);
                queue.defer(lock, propertiesToModify, deferred);
            }
            case "suspended" -> {
                queue.deadLetter(lock, reason, description, propertiesToModify, new Rejected());
            }
            default -> throw new IllegalArgumentException("Unknown disposition-status '" + status + "'");
        }
    }

    static Rejected lockLost() {
        Rejected rejected = new Rejected();
        rejected.setError(new ErrorCondition(MESSAGE_LOCK_LOST, LOCK_LOST_DESCRIPTION));
        return rejected;
    }

    static Map<String, Object> stringKeys(Map<?, ?> map) {
        Map<String, Object> result = new LinkedHashMap<>();
        if (map != null) {
            map.forEach((key, value) -> result.put(String.valueOf(key), value));
        }
        return result;
    }

    private static String stringOrNull(Object value) {
        return value == null ? null : value.toString();
    }
}
