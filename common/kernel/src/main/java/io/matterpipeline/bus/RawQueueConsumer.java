package io.matterpipeline.bus;

import io.matterpipeline.telemetry.ConsumerTelemetry;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@link QueueConsumer} for queues whose bodies are not pipeline messages, such as Event Grid events that Azure writes
 * to a Service Bus queue: the handler gets the body as it arrived and decodes it itself. Everything else is the same
 * loop as {@link QueueConsumer}: bounded concurrency, lock renewal, settlement by {@link Settlement} (a handler that
 * fails with a bad-input {@link io.matterpipeline.error.PipelineException} dead-letters the message with its reason),
 * graceful shutdown as a Spring {@link SmartLifecycle}.
 */
public final class RawQueueConsumer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RawQueueConsumer.class);

    private final SettlingLoop<Message> loop;

    public RawQueueConsumer(MessageBus bus, String queue, ConsumerSettings settings, Handler handler) {
        this.loop = new SettlingLoop<>(bus, queue, settings, new SettlingLoop.Steps<>() {

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
        }, log);
    }

    /** The receive-handle-settle loop, for callers that manage the subscription themselves (tests). */
    public Flux<Void> run(Mono<Void> until) {
        return loop.run(until);
    }

    /**
     * Reports a span per delivery (continuing the message's trace), its log context and the consumer metrics through
     * this telemetry; call before {@link #start()}. The kernel's telemetry auto-configuration does it for beans.
     */
    public void observeWith(ConsumerTelemetry telemetry) {
        loop.observeWith(telemetry);
    }

    @Override
    public void start() {
        loop.start();
    }

    @Override
    public void stop() {
        loop.stop();
    }

    @Override
    public boolean isRunning() {
        return loop.isRunning();
    }

    /** Deliveries being handled right now. */
    public long inFlight() {
        return loop.inFlight();
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
