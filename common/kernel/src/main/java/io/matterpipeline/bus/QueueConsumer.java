package io.matterpipeline.bus;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PagesExtracted;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.telemetry.LogContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs a {@link MessageHandler} over a queue: bounded concurrency, lock renewal while a handler runs, and
 * settlement after the handler's effects are durable — complete on success, otherwise what {@link Settlement}
 * decides. A Spring {@link SmartLifecycle}: it starts with the application context and, on shutdown, stops receiving
 * and lets in-flight deliveries finish (up to {@link ConsumerSettings#shutdownGrace()}), so a scale-set instance being
 * removed neither loses nor double-processes a message. A body that is not a pipeline message is dead-lettered with
 * reason {@code malformed-message} without calling the handler; for queues that carry another format see
 * {@link RawQueueConsumer}.
 *
 * <p>A batch of facts ({@link PagesExtracted}) is handed to the handler as its single facts ({@link PageExtracted}),
 * all at once, each in a span of its own continuing the trace of its page: handlers never see a batch. The delivery
 * is completed once every fact's handling has succeeded; if any failed it is settled as that failure says (retried
 * whole, or dead-lettered with the reason), and a give-up calls {@link MessageHandler#onGiveUp} once per fact.
 */
public final class QueueConsumer extends SettlingConsumer {

    private static final Logger log = LoggerFactory.getLogger(QueueConsumer.class);

    public QueueConsumer(MessageBus bus, String queue, ConsumerSettings settings, MessageHandler handler) {
        super(new SettlingLoop<>(bus, queue, settings, new SettlingLoop.Steps<PipelineMessage>() {

            @Override
            public PipelineMessage decode(Delivery delivery) {
                return MessageCodec.decode(delivery.body());
            }

            @Override
            public String describe(PipelineMessage message, Delivery delivery) {
                return message.messageId();
            }

            @Override
            public Mono<Void> handle(PipelineMessage message, MessageHandler.DeliveryAttempt attempt) {
                return handler.handle(message, attempt);
            }

            @Override
            public Mono<Void> onGiveUp(PipelineMessage message, String reason, String description) {
                return Flux.fromIterable(PagesExtracted.factsOf(message))
                        .concatMap(fact -> handler.onGiveUp(fact, reason, description))
                        .then();
            }

            @Override
            public Map<String, String> ids(PipelineMessage message) {
                return LogContext.idsOf(message);
            }

            @Override
            public List<SettlingLoop.Part<PipelineMessage>> parts(PipelineMessage message) {
                if (!(message instanceof PagesExtracted batch)) {
                    return null;
                }
                List<SettlingLoop.Part<PipelineMessage>> parts = new ArrayList<>(batch.pages().size());
                for (PagesExtracted.Page page : batch.pages()) {
                    PageExtracted fact = page.fact(batch.matterId());
                    parts.add(new SettlingLoop.Part<>(fact, fact.messageId(), fact.type(), page.traceparent()));
                }
                return parts;
            }
        }, log));
    }
}
