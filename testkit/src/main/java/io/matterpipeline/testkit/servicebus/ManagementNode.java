package io.matterpipeline.testkit.servicebus;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.messaging.AmqpValue;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.message.Message;

/**
 * The request/response nodes: {@code $cbs} (put-token, always granted) and {@code <entity>/$management} (lock
 * renewal, peek, scheduling, settlement by lock token and receiving deferred messages).
 */
final class ManagementNode {

    private static final String OPERATION = "operation";

    private final Namespace namespace;

    ManagementNode(Namespace namespace) {
        this.namespace = namespace;
    }

    /** Answers a CBS put-token: any token is accepted (status-code is an AMQP int, as the SDK casts it). */
    Message putToken(Message request) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("status-code", 202);
        properties.put("status-description", "Accepted");
        return reply(request, properties, null);
    }

    /** Runs one management operation against the entity the node belongs to. */
    Message handle(EntityQueue entity, Message request) {
        Map<String, Object> requestProperties = request.getApplicationProperties() == null
                ? Map.of() : Dispositions.stringKeys(request.getApplicationProperties().getValue());
        Map<String, Object> body = request.getBody() instanceof AmqpValue value && value.getValue() instanceof Map<?, ?> map
                ? Dispositions.stringKeys(map) : Map.of();
        String operation = String.valueOf(requestProperties.get(OPERATION));
        try {
            Map<String, Object> response = switch (operation) {
                case "com.microsoft:renew-lock" -> renewLocks(body);
                case "com.microsoft:peek-message" -> peek(entity, body);
                case "com.microsoft:schedule-message" -> schedule(entity, body);
                case "com.microsoft:cancel-scheduled-message" -> cancelScheduled(entity, body);
                case "com.microsoft:update-disposition" -> updateDisposition(body);
                case "com.microsoft:receive-by-sequence-number" -> receiveBySequenceNumber(entity, body);
                default -> throw new ManagementException(501, "amqp:not-implemented",
                        "Operation '" + operation + "' is not supported by the emulator.");
            };
            if (response == null) {
                return reply(request, status(204, "No Content", null), null);
            }
            return reply(request, status(200, "OK", null), response);
        } catch (ManagementException e) {
            return reply(request, status(e.status, e.getMessage(), e.condition), null);
        } catch (RuntimeException e) {
            return reply(request, status(400, String.valueOf(e.getMessage()), "amqp:invalid-field"), null);
        }
    }

    private Map<String, Object> renewLocks(Map<String, Object> body) {
        List<UUID> tokens = uuids(body.get("lock-tokens"));
        List<MessageLock> locks = locks(tokens);
        Date[] expirations = new Date[locks.size()];
        for (int i = 0; i < locks.size(); i++) {
            MessageLock lock = locks.get(i);
            expirations[i] = Date.from(lock.queue.renew(lock));
        }
        return Map.of("expirations", expirations);
    }

    private Map<String, Object> peek(EntityQueue entity, Map<String, Object> body) {
        long from = ((Number) body.getOrDefault("from-sequence-number", 0L)).longValue();
        int count = ((Number) body.getOrDefault("message-count", 1)).intValue();
        List<Map<String, Object>> messages = new ArrayList<>();
        for (StoredMessage message : entity.peek(from, count)) {
            byte[] encoded = message.encode(namespace.codec(), entity.lockedUntil(message));
            messages.add(Map.of("message", new Binary(encoded)));
        }
        return messages.isEmpty() ? null : Map.of("messages", messages);
    }

    private Map<String, Object> schedule(EntityQueue entity, Map<String, Object> body) {
        List<?> entries = (List<?>) body.get("messages");
        Long[] sequenceNumbers = new Long[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            Binary binary = (Binary) ((Map<?, ?>) entries.get(i)).get("message");
            StoredMessage message = StoredMessage.from(
                    namespace.codec().parse(binary.getArray(), binary.getArrayOffset(), binary.getLength()),
                    namespace.codec());
            Instant at = message.requestedEnqueueTime();
            sequenceNumbers[i] = entity.schedule(message, at == null ? namespace.now() : at);
        }
        return Map.of("sequence-numbers", sequenceNumbers);
    }

    private Map<String, Object> cancelScheduled(EntityQueue entity, Map<String, Object> body) {
        for (Long sequenceNumber : longs(body.get("sequence-numbers"))) {
            entity.cancelScheduled(sequenceNumber);
        }
        return Map.of();
    }

    private Map<String, Object> updateDisposition(Map<String, Object> body) {
        List<MessageLock> locks = locks(uuids(body.get("lock-tokens")));
        String status = String.valueOf(body.get("disposition-status"));
        String reason = (String) body.get("deadletter-reason");
        String description = (String) body.get("deadletter-description");
        Map<String, Object> propertiesToModify = body.get("properties-to-modify") instanceof Map<?, ?> map
                ? Dispositions.stringKeys(map) : Map.of();
        for (MessageLock lock : locks) {
            Dispositions.settleByStatus(lock, status, reason, description, propertiesToModify);
        }
        return Map.of();
    }

    private Map<String, Object> receiveBySequenceNumber(EntityQueue entity, Map<String, Object> body) {
        Object mode = body.get("receiver-settle-mode");
        boolean peekLock = mode == null || ((Number) mode).intValue() != 0;
        List<Map.Entry<StoredMessage, MessageLock>> received;
        try {
            received = entity.receiveDeferred(longs(body.get("sequence-numbers")), peekLock);
        } catch (IllegalStateException e) {
            throw new ManagementException(404, "com.microsoft:message-not-found",
                    "Failed to lock one or more specified messages. Either the message is not deferred or "
                            + "does not exist: sequence number " + e.getMessage() + ".");
        }
        List<Map<String, Object>> messages = new ArrayList<>();
        for (Map.Entry<StoredMessage, MessageLock> entry : received) {
            MessageLock lock = entry.getValue();
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("message", new Binary(entry.getKey().encode(namespace.codec(),
                    lock == null ? null : lock.lockedUntil)));
            if (lock != null) {
                item.put("lock-token", lock.token);
            }
            messages.add(item);
        }
        return Map.of("messages", messages);
    }

    private List<MessageLock> locks(List<UUID> tokens) {
        List<MessageLock> locks = new ArrayList<>();
        for (UUID token : tokens) {
            MessageLock lock = namespace.findLock(token);
            if (lock == null) {
                throw new ManagementException(410, Dispositions.MESSAGE_LOCK_LOST.toString(),
                        Dispositions.LOCK_LOST_DESCRIPTION);
            }
            locks.add(lock);
        }
        return locks;
    }

    private static Map<String, Object> status(int code, String description, String condition) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("statusCode", code);
        properties.put("statusDescription", description);
        if (condition != null) {
            properties.put("errorCondition", condition);
        }
        return properties;
    }

    private static Message reply(Message request, Map<String, Object> properties, Map<String, Object> body) {
        Message reply = Proton.message();
        reply.setCorrelationId(request.getMessageId());
        reply.setAddress(request.getReplyTo());
        reply.setApplicationProperties(new ApplicationProperties(properties));
        if (body != null) {
            reply.setBody(new AmqpValue(body));
        }
        return reply;
    }

    /** Arrays arrive as typed arrays, primitive arrays or lists depending on the client. */
    private static List<Object> items(Object value) {
        List<Object> items = new ArrayList<>();
        if (value instanceof Object[] array) {
            items.addAll(List.of(array));
        } else if (value instanceof long[] array) {
            for (long item : array) {
                items.add(item);
            }
        } else if (value instanceof Collection<?> collection) {
            items.addAll(collection);
        } else if (value != null) {
            items.add(value);
        }
        return items;
    }

    private static List<UUID> uuids(Object value) {
        return items(value).stream().map(item -> item instanceof UUID uuid ? uuid : UUID.fromString(item.toString()))
                .toList();
    }

    private static List<Long> longs(Object value) {
        return items(value).stream().map(item -> ((Number) item).longValue()).toList();
    }

    private static final class ManagementException extends RuntimeException {

        private final int status;
        private final String condition;

        ManagementException(int status, String condition, String description) {
            super(description, null, false, false);
            this.status = status;
            this.condition = condition;
        }
    }
}
