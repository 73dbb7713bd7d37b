package io.matterpipeline.bus;

import java.util.Map;
import java.util.Objects;

/**
 * A message ready to publish.
 *
 * @param messageId the deterministic id: Service Bus MessageId, Kafka {@code id} header (and record key on the queues
 *     not keyed by Matter), idempotency key
 * @param type the message type, also a property; lets a consumer reject a type it does not handle without parsing
 * @param body the encoded message (small: ids and blob references only)
 * @param properties application properties (type, schema version, traceparent, ...)
 */
public record OutboundMessage(String messageId, String type, byte[] body, Map<String, String> properties) {

    public OutboundMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(body, "body");
        properties = properties == null ? Map.of() : Map.copyOf(properties);
    }
}
