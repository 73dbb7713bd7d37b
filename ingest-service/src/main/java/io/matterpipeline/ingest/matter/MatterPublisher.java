package io.matterpipeline.ingest.matter;

import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import java.util.List;
import reactor.core.publisher.Mono;

/** Publishes ingest's messages; a bus that refuses one fails with {@code publish-failed} (transient). */
final class MatterPublisher {

    private final MessageBus bus;

    MatterPublisher(MessageBus bus) {
        this.bus = bus;
    }

    Mono<Void> publish(String queue, PipelineMessage message) {
        return Mono.defer(() -> bus.publish(queue, MessageCodec.encode(message)))
                .onErrorMap(MatterPublisher::publishFailure);
    }

    Mono<Void> publishAll(String queue, List<? extends PipelineMessage> messages) {
        return Mono.defer(() -> bus.publishAll(queue, messages.stream().map(MessageCodec::encode).toList()))
                .onErrorMap(MatterPublisher::publishFailure);
    }

    private static Throwable publishFailure(Throwable error) {
        return error instanceof PipelineException ? error
                : new TransientException("publish-failed", "The message bus did not accept a message; try again",
                        error);
    }
}
