package io.matterpipeline.bus;

import java.time.Instant;
import java.util.Map;

/**
 * A message in a queue's dead-letter queue, as an operator inspects it.
 *
 * @param queue the queue it was dead-lettered from
 * @param messageId the message id given at publish time (replaying keeps it)
 * @param type the message type property
 * @param body the message body
 * @param properties the application properties, including the broker's {@code DeadLetterReason} and
 *     {@code DeadLetterErrorDescription}
 * @param reason why it was dead-lettered: {@code MaxDeliveryCountExceeded}, or the reason a handler gave (such as
 *     {@code encrypted-pdf}); may be null
 * @param description the longer explanation; may be null
 * @param deliveryCount deliveries before it was dead-lettered
 * @param enqueuedTime when it entered the dead-letter queue (Service Bus: its enqueued time there)
 * @param sequenceNumber its position in the dead-letter queue; 0 when the adapter has none
 */
public record DeadLetter(
        String queue,
        String messageId,
        String type,
        byte[] body,
        Map<String, String> properties,
        String reason,
        String description,
        int deliveryCount,
        Instant enqueuedTime,
        long sequenceNumber) {

    /** Application property holding the dead-letter reason, as Service Bus names it. */
    public static final String REASON_PROPERTY = "DeadLetterReason";
    /** Application property holding the dead-letter description, as Service Bus names it. */
    public static final String DESCRIPTION_PROPERTY = "DeadLetterErrorDescription";

    public DeadLetter {
        properties = properties == null ? Map.of() : Map.copyOf(properties);
    }

    /** The reason a failure recorded for this dead letter carries: its own, or {@code dead-lettered} when it has none. */
    public String failureReason() {
        return reason == null ? "dead-lettered" : reason;
    }

    /** Where and after how many deliveries it was dead-lettered, with its description: a recorded failure's text. */
    public String failureDescription() {
        return "Dead-lettered on " + queue + " after " + deliveryCount + " deliveries"
                + (description == null ? "" : ": " + description);
    }
}
