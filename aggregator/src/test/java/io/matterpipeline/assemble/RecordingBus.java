package io.matterpipeline.assemble;

import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PipelineMessage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A bus that only records what is published, for tests that drive the handler directly. */
final class RecordingBus implements MessageBus {

    private final List<Published> published = new CopyOnWriteArrayList<>();

    record Published(String queue, OutboundMessage message) {

        PipelineMessage decoded() {
            return MessageCodec.decode(message.body());
        }
    }

    List<Published> published() {
        return List.copyOf(published);
    }

    @Override
    public Mono<Void> publish(String queue, OutboundMessage message) {
        return Mono.fromRunnable(() -> published.add(new Published(queue, message)));
    }

    @Override
    public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
        return Flux.fromIterable(messages).concatMap(message -> publish(queue, message)).then();
    }

    @Override
    public Flux<Delivery> receive(String queue, ReceiveOptions options) {
        return Flux.never();
    }
}
