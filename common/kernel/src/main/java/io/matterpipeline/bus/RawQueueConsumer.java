package io.matterpipeline.bus;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Mono;

/**
 * {@link QueueConsumer} for queues whose bodies are not pipeline messages, such as Event Grid events that Azure writes
 * to a Service Bus queue: the handler gets the body as it arrived and decodes it itself. Everything else is the same
 * loop as {@link QueueConsumer}: bounded concurrency, lock renewal, settlement by {@link Settlement} (a handler that
 * fails with a bad-input {@link io.matterpipeline.error.PipelineException} dead-letters the message with its reason),
 * graceful shutdown as a Spring {@link SmartLifecycle}.
 */
public final class RawQueueConsumer extends SettlingConsumer {

    private static final Logger log = LoggerFactory.getLogger(RawQueueConsumer.class);

    private final String queue;
    private final Handler handler;

    public RawQueueConsumer(MessageBus bus, String queue, ConsumerSettings settings, Handler handler) {
        super(new SettlingLoop<>(bus, queue, settings, new SettlingLoop.Steps<Message>() {

            @Override
            public Message decode(Delivery delivery) {
                return new Message(delivery.messageId(), delivery.type(), delivery.body(), delivery.properties());
            }

            @Override
            public String describe(Message message, Delivery delivery) {
                return message.messageId();
            }

            @Override
            public Mono<Void> handle(Message message, MessageHandler.DeliveryAttempt attempt) {
                return handler.handle(message, attempt);
            }

            @Override
            public Mono<Void> onGiveUp(Message message, String reason, String description) {
                return handler.onGiveUp(message, reason, description);
            }
        }, log));
        this.queue = queue;
        this.handler = handler;
    }

    /** The queue consumed. */
    public String queue() {
        return queue;
    }

    /**
     * What a give-up would have done for a message of this queue that reached its dead letters without one (the broker
     * moved it after its max delivery count: the process died on it at every delivery). Idempotent like the give-up.
     */
    public Mono<Void> giveUp(DeadLetter letter) {
        return handler.onGiveUp(new Message(letter.messageId(), letter.type(), letter.body(), letter.properties()),
                letter.failureReason(), letter.failureDescription());
    }

    /**
     * A received message as it arrived.
     *
     * @param messageId the broker's message id (may be null when the sender set none)
     * @param type the message's type property or subject; may be null
     * @param body the body, undecoded
     * @param properties application properties
     */
    public record Message(String messageId, String type, byte[] body, Map<String, String> properties) {

        public Message {
            properties = properties == null ? Map.of() : Map.copyOf(properties);
        }
    }

    /** The domain logic for one raw queue; idempotent like {@link MessageHandler}. */
    @FunctionalInterface
    public interface Handler {

        /** Processes one message; completes when its effects are durable. */
        Mono<Void> handle(Message message, MessageHandler.DeliveryAttempt attempt);

        /** Called once before a message whose handler failed is dead-lettered. The default does nothing. */
        default Mono<Void> onGiveUp(Message message, String reason, String description) {
            return Mono.empty();
        }
    }
}
