package io.matterpipeline.bus.memory;

import java.time.Instant;
import java.util.Map;

/**
 * A message in a queue's dead-letter queue, as an operator inspects it.
 *
 * @param messageId the message id given at publish time
 * @param type the message type property
 * @param body the message body
 * @param properties the application properties
 * @param reason why it was dead-lettered ({@code MaxDeliveryCountExceeded}, or the reason a handler gave)
 * @param description the longer explanation, may be empty
 * @param deliveryCount how many times it was delivered before it was dead-lettered (Service Bus DeliveryCount)
 * @param deadLetteredAt when it moved to the dead-letter queue
 */
public record DeadLetteredMessage(
        String messageId,
        String type,
        byte[] body,
        Map<String, String> properties,
        String reason,
        String description,
        int deliveryCount,
        Instant deadLetteredAt) {
}
