package io.matterpipeline.bus.servicebus;

import io.matterpipeline.bus.DeadLetters;
import io.matterpipeline.bus.MessageBus;
import java.util.Objects;

/**
 * The {@link MessageBus} on Azure Service Bus queues, with {@link DeadLetters} operations on their dead-letter
 * queues.
 *
 * <ul>
 *   <li>Publishing: one cached sender per queue; {@link #publishAll} packs messages into as few
 *       {@code ServiceBusMessageBatch}es as the broker's size limit allows. MessageId is
 *       {@link io.matterpipeline.bus.OutboundMessage#messageId()} (duplicate detection), the subject is the type, and
 *       the application properties carry {@code type}, {@code schemaVersion} and a W3C {@code traceparent} (from the
 *       Reactor context key {@link io.matterpipeline.bus.TraceContext#PROPERTY}, else a new one).</li>
 *   <li>Receiving: a peek-lock receiver per {@link #receive} subscription, auto-complete and the SDK's auto lock
 *       renewal off (the {@link io.matterpipeline.bus.QueueConsumer} settles and renews); link credit is the
 *       subscriber's demand plus the {@link io.matterpipeline.bus.ReceiveOptions#prefetch()}. A receive link that
 *       fails for good after the SDK's retries is opened again after a backoff. Cancelling stops receiving, but the
 *       receiver stays open until every delivery it handed out is settled, so in-flight handlers can finish.</li>
 *   <li>Settling: complete, abandon, dead-letter with DeadLetterReason and DeadLetterErrorDescription, renew lock;
 *       an expired lock fails with {@link io.matterpipeline.bus.LockLostException}; a message too large to send
 *       with {@link io.matterpipeline.error.TooLargeException}.</li>
 * </ul>
 *
 * <p>All clients share one AMQP connection per bus. Authentication is by connection string or, with a fully
 * qualified namespace, by {@code DefaultAzureCredential} (managed identity in production).
 */
public interface ServiceBusMessageBus extends MessageBus, DeadLetters, AutoCloseable {

    /**
     * A bus on the namespace the properties name; connects lazily, on the first send or receive.
     *
     * @throws IllegalArgumentException when neither a connection string nor a fully qualified namespace is set
     */
    static ServiceBusMessageBus create(ServiceBusProperties properties) {
        return new DefaultServiceBusMessageBus(Objects.requireNonNull(properties, "properties"));
    }

    /** Closes every sender and receiver (and with them the connection); later publishes and receives fail. */
    @Override
    void close();
}
