package io.matterpipeline.bus.servicebus;

import com.azure.core.util.BinaryData;
import com.azure.messaging.servicebus.ServiceBusMessage;
import com.azure.messaging.servicebus.ServiceBusReceivedMessage;
import io.matterpipeline.bus.DeadLetter;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.TraceContext;
import io.matterpipeline.contract.MessageCodec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import reactor.util.context.ContextView;

/** Our messages as Service Bus messages and back. */
final class MessageMapping {

    private MessageMapping() {
    }

    /**
     * The Service Bus message for an outbound one: MessageId for duplicate detection, subject and {@code type}
     * property for routing and filtering, and a {@code traceparent}: the message's own, else the Reactor context's,
     * else a new trace.
     */
    static ServiceBusMessage toServiceBus(OutboundMessage message, ContextView context) {
        ServiceBusMessage sent = new ServiceBusMessage(BinaryData.fromBytes(message.body()));
        sent.setMessageId(message.messageId());
        Map<String, Object> properties = sent.getApplicationProperties();
        properties.putAll(message.properties());
        if (message.type() != null) {
            sent.setSubject(message.type());
            properties.put(MessageCodec.TYPE_PROPERTY, message.type());
        }
        if (!TraceContext.isValid(message.properties().get(TraceContext.PROPERTY))) {
            properties.put(TraceContext.PROPERTY, TraceContext.outgoing(context));
        }
        // The SDK (and Azure Functions, Service Bus Explorer) read Diagnostic-Id first: keep it the same trace.
        properties.put(TraceContext.DIAGNOSTIC_ID, properties.get(TraceContext.PROPERTY));
        return sent;
    }

    /** A copy of a dead-lettered message to send back to its queue: same body, id and properties, minus the reason. */
    static ServiceBusMessage toReplay(ServiceBusReceivedMessage deadLettered) {
        ServiceBusMessage replay = new ServiceBusMessage(deadLettered);
        replay.getApplicationProperties().remove(DeadLetter.REASON_PROPERTY);
        replay.getApplicationProperties().remove(DeadLetter.DESCRIPTION_PROPERTY);
        return replay;
    }

    /** Application properties as strings (our publishers only write strings). */
    static Map<String, String> properties(ServiceBusReceivedMessage message) {
        Map<String, String> properties = new LinkedHashMap<>();
        message.getApplicationProperties().forEach((key, value) -> {
            if (value != null) {
                properties.put(key, String.valueOf(value));
            }
        });
        return properties;
    }

    static String type(ServiceBusReceivedMessage message) {
        Object type = message.getApplicationProperties().get(MessageCodec.TYPE_PROPERTY);
        return type != null ? type.toString() : message.getSubject();
    }

    static DeadLetter toDeadLetter(String queue, ServiceBusReceivedMessage message) {
        Instant enqueued = message.getEnqueuedTime() == null ? null : message.getEnqueuedTime().toInstant();
        return new DeadLetter(queue, message.getMessageId(), type(message), message.getBody().toBytes(),
                properties(message), message.getDeadLetterReason(), message.getDeadLetterErrorDescription(),
                (int) message.getDeliveryCount(), enqueued, message.getSequenceNumber());
    }
}
