package io.matterpipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.TraceContext;
import io.matterpipeline.error.TransientException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.util.context.Context;

class BatchedFactPublisherTests {

    private static final Duration WINDOW = Duration.ofMillis(50);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final RecordingBus bus = new RecordingBus();

    @Test
    void factsWithinTheWindowGoOutInOneSendAndEachCompletesOnlyOnceThatSendHasCompleted() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", WINDOW, 32, time);
        var first = facts.publish(message("a")).toFuture();
        time.advanceTimeBy(Duration.ofMillis(30));
        var second = facts.publish(message("b")).toFuture();
        time.advanceTimeBy(Duration.ofMillis(19));
        assertThat(bus.sends).isEmpty();

        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(bus.sends).singleElement().satisfies(send -> assertThat(send.ids()).containsExactly("a", "b"));
        // Sent but not yet acknowledged by the broker: nobody may settle its PageTask yet.
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();

        bus.sends.get(0).outcome().tryEmitEmpty();
        assertThat(first).isCompleted();
        assertThat(second).isCompleted();
    }

    @Test
    void aFailedSendFailsEveryFactOfItsBatchSoTheirPageTasksAreRetried() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", WINDOW, 32, time);
        var first = facts.publish(message("a")).toFuture();
        var second = facts.publish(message("b")).toFuture();
        time.advanceTimeBy(WINDOW);
        bus.sends.get(0).outcome().tryEmitError(new TransientException("bus-down", "down"));
        assertThat(first).isCompletedExceptionally();
        assertThat(second).isCompletedExceptionally();
        assertThatThrownBy(first::join).hasCauseInstanceOf(TransientException.class);
        assertThat(bus.sends).hasSize(1);
        // The next fact starts a new batch.
        var third = facts.publish(message("c")).toFuture();
        time.advanceTimeBy(WINDOW);
        assertThat(bus.sends).hasSize(2);
        assertThat(bus.sends.get(1).ids()).containsExactly("c");
        bus.sends.get(1).outcome().tryEmitEmpty();
        assertThat(third).isCompleted();
    }

    @Test
    void aFullBatchGoesOutWithoutWaitingForTheWindow() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", WINDOW, 3, time);
        facts.publish(message("a")).subscribe();
        facts.publish(message("b")).subscribe();
        facts.publish(message("c")).subscribe();
        facts.publish(message("d")).subscribe();
        assertThat(bus.sends).singleElement().satisfies(send -> assertThat(send.ids()).containsExactly("a", "b", "c"));

        time.advanceTimeBy(WINDOW);
        assertThat(bus.sends).hasSize(2);
        assertThat(bus.sends.get(1).ids()).containsExactly("d");
        // The timer of the first batch was cancelled when it filled up: no empty or repeated send.
        time.advanceTimeBy(WINDOW.multipliedBy(3));
        assertThat(bus.sends).hasSize(2);
    }

    @Test
    void eachBatchedFactCarriesTheTraceOfTheHandlerThatPublishedIt() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", WINDOW, 32, time);
        String pageA = TraceContext.generate();
        String pageB = TraceContext.generate();
        facts.publish(message("a")).contextWrite(Context.of(TraceContext.PROPERTY, pageA)).subscribe();
        facts.publish(message("b")).contextWrite(Context.of(TraceContext.PROPERTY, pageB)).subscribe();
        time.advanceTimeBy(WINDOW);

        assertThat(bus.sends).singleElement().satisfies(send -> assertThat(send.traceparents())
                .containsExactly(pageA, pageB));
    }

    @Test
    void aSendThatThrowsFailsTheFactsOfItsBatch() {
        MessageBus throwing = new RecordingBus() {
            @Override
            public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
                throw new IllegalStateException("sender closed");
            }
        };
        BatchedFactPublisher facts = new BatchedFactPublisher(throwing, "results", WINDOW, 32, time);
        var first = facts.publish(message("a")).toFuture();
        time.advanceTimeBy(WINDOW);

        assertThat(first).isCompletedExceptionally();
    }

    @Test
    void aZeroWindowSendsEachFactAtOnce() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", Duration.ZERO, 32, time);
        facts.publish(message("a")).subscribe();
        assertThat(bus.singles).containsExactly("a");
        assertThat(bus.sends).isEmpty();
    }

    private static OutboundMessage message(String id) {
        return new OutboundMessage(id, "PageExtracted", new byte[0], Map.of());
    }

    private record Send(List<String> ids, List<String> traceparents, Sinks.Empty<Void> outcome) {
    }

    /** Records each send; a batch's send completes (or fails) when the test says so. */
    private static class RecordingBus implements MessageBus {

        final List<Send> sends = new CopyOnWriteArrayList<>();
        final List<String> singles = new CopyOnWriteArrayList<>();

        @Override
        public Mono<Void> publish(String queue, OutboundMessage message) {
            singles.add(message.messageId());
            return Mono.empty();
        }

        @Override
        public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
            return Mono.defer(() -> {
                Send send = new Send(messages.stream().map(OutboundMessage::messageId).toList(),
                        messages.stream().map(each -> each.properties().get(TraceContext.PROPERTY)).toList(),
                        Sinks.empty());
                sends.add(send);
                return send.outcome().asMono();
            });
        }

        @Override
        public Flux<Delivery> receive(String queue, ReceiveOptions options) {
            return Flux.never();
        }
    }
}
