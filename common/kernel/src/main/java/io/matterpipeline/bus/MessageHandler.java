package io.matterpipeline.bus;

import io.matterpipeline.contract.PipelineMessage;
import reactor.core.publisher.Mono;

/**
 * A service's domain logic for one queue. Handlers are idempotent: the same message may arrive twice (at-least-once
 * delivery) or after a crash part way through; processing it again must not change the outcome.
 *
 * <p>Failures are signalled inside the returned {@link Mono} as {@link io.matterpipeline.error.PipelineException}s
 * (or any other exception, treated as transient); {@link QueueConsumer} classifies them once.
 */
public interface MessageHandler {

    /** Processes one message; completes when its effects are durable. */
    Mono<Void> handle(PipelineMessage message, DeliveryAttempt attempt);

    /**
     * Called once when a message is about to be dead-lettered (poison, or failed on its last allowed delivery), before
     * it is: publish the failure as a fact (PageFailed, DocumentFailed) so the Matter still reaches a final state.
     * The default does nothing.
     */
    default Mono<Void> onGiveUp(PipelineMessage message, String reason, String description) {
        return Mono.empty();
    }

    /** Which attempt this is: {@code deliveryCount} previous failures out of at most {@code maxDeliveries}. */
    record DeliveryAttempt(int deliveryCount, int maxDeliveries) {

        /** True when a failure now would exhaust the delivery budget. */
        public boolean isLast() {
            return deliveryCount + 1 >= maxDeliveries;
        }
    }
}
