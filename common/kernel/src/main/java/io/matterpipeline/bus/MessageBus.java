package io.matterpipeline.bus;

import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The message bus port. Adapters: Azure Service Bus (production), Kafka, and an in-memory bus with Service Bus
 * semantics for the single-JVM mode and tests. Delivery is at least once; consumers are idempotent by
 * {@link OutboundMessage#messageId()}.
 */
public interface MessageBus {

    /**
     * Reactor context key under which a queue consumer runs each of its handlers, set to the queue it consumes. An
     * adapter that makes a publisher wait for room in a bounded queue never makes a publish carrying this key for that
     * same queue wait: the consumer that would make the room could be the one waiting.
     */
    String HANDLING_QUEUE = "matter-pipeline.bus.handling-queue";

    /** Publishes one message; completes when the broker has accepted it. */
    Mono<Void> publish(String queue, OutboundMessage message);

    /**
     * Publishes many messages, in as few broker batches as the adapter's size limits allow; completes when all were
     * accepted. On error some messages may have been published: publishing again is safe (deterministic ids).
     */
    Mono<Void> publishAll(String queue, List<OutboundMessage> messages);

    /**
     * Receives from a queue in peek-lock mode. Demand is credit: the adapter never hands out more deliveries than
     * requested (plus the configured prefetch). Cancelling the subscription stops receiving; unsettled deliveries stay
     * locked until settled or their locks expire.
     */
    Flux<Delivery> receive(String queue, ReceiveOptions options);

    /**
     * Completes when the broker can be reached for this queue, errors when it cannot: the readiness check of every
     * service. The default, for a bus inside this process, always completes.
     */
    default Mono<Void> probe(String queue) {
        return Mono.empty();
    }
}
