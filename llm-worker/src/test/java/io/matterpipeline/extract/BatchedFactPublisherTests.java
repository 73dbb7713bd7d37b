package io.matterpipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.TraceContext;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PagesExtracted;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.error.TransientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;
import reactor.util.context.Context;

class BatchedFactPublisherTests {

    private static final Duration WINDOW = Duration.ofMillis(50);
    private static final long BYTES = 192 * 1024;

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final RecordingBus bus = new RecordingBus();

    @Test
    void factsWithinTheWindowGoOutAsOneMessageAndEachCompletesOnlyOnceThatSendHasCompleted() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", WINDOW, 32, BYTES, time);
        var first = facts.publish(fact("m1", "d1", 1)).toFuture();
        time.advanceTimeBy(Duration.ofMillis(30));
        var second = facts.publish(fact("m1", "d2", 7)).toFuture();
        time.advanceTimeBy(Duration.ofMillis(19));
        assertThat(bus.sends).isEmpty();

        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(bus.sends).singleElement().satisfies(send -> assertThat(send.decoded())
                .singleElement().isInstanceOfSatisfying(PagesExtracted.class, batch -> {
                    assertThat(batch.matterId()).isEqualTo("m1");
                    assertThat(batch.facts()).containsExactly(fact("m1", "d1", 1), fact("m1", "d2", 7));
                }));
        // Sent but not yet acknowledged by the broker: nobody may settle its PageTask yet.
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();

        bus.sends.get(0).outcome().tryEmitEmpty();
        assertThat(first).isCompleted();
        assertThat(second).isCompleted();
    }

    @Test
    void whenEveryPageInHandHasItsFactWaitingTheBatchGoesWithoutWaitingOutTheWindow() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", WINDOW, 32, BYTES, time);
        List<Sinks.Empty<Void>> answered = List.of(Sinks.empty(), Sinks.empty(), Sinks.empty());
        List<CompletableFuture<Void>> handled = new ArrayList<>();
        for (int page = 1; page <= 3; page++) {
            PageExtracted fact = fact("m1", "d1", page);
            handled.add(facts.inHand(answered.get(page - 1).asMono().then(facts.publish(fact))).toFuture());
        }

        answered.get(0).tryEmitEmpty();
        answered.get(1).tryEmitEmpty();
        // A third page is still being read: its fact may join the batch.
        assertThat(bus.sends).isEmpty();

        answered.get(2).tryEmitEmpty();
        // No virtual time has passed: the batch did not wait for its window.
        assertThat(bus.sends).singleElement().satisfies(send -> assertThat(send.facts())
                .containsExactly(fact("m1", "d1", 1), fact("m1", "d1", 2), fact("m1", "d1", 3)));
        assertThat(handled).noneMatch(CompletableFuture::isDone);
        bus.sends.get(0).outcome().tryEmitEmpty();
        assertThat(handled).allMatch(future -> future.isDone() && !future.isCompletedExceptionally());
        time.advanceTimeBy(WINDOW.multipliedBy(3));
        assertThat(bus.sends).hasSize(1);
    }

    @Test
    void aPageInHandThatEndsWithoutAFactLetsTheBatchWaitingForItGo() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", WINDOW, 32, BYTES, time);
        Sinks.Empty<Void> failedPage = Sinks.empty();
        var failed = facts.inHand(failedPage.asMono()).toFuture();
        var extracted = facts.inHand(facts.publish(fact("m1", "d1", 1))).toFuture();
        assertThat(bus.sends).isEmpty();

        failedPage.tryEmitError(new TransientException("model-unreachable", "down"));

        assertThat(failed).isCompletedExceptionally();
        assertThat(bus.sends).singleElement().satisfies(send -> assertThat(send.facts())
                .containsExactly(fact("m1", "d1", 1)));
        bus.sends.get(0).outcome().tryEmitEmpty();
        assertThat(extracted).isCompleted();
    }

    @Test
    void aFailedSendFailsEveryFactOfItsBatchSoTheirPageTasksAreRetried() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", WINDOW, 32, BYTES, time);
        var first = facts.publish(fact("m1", "d1", 1)).toFuture();
        var second = facts.publish(fact("m1", "d1", 2)).toFuture();
        time.advanceTimeBy(WINDOW);
        bus.sends.get(0).outcome().tryEmitError(new TransientException("bus-down", "down"));
        assertThat(first).isCompletedExceptionally();
        assertThat(second).isCompletedExceptionally();
        assertThatThrownBy(first::join).hasCauseInstanceOf(TransientException.class);
        assertThat(bus.sends).hasSize(1);
        // The next fact starts a new batch.
        var third = facts.publish(fact("m1", "d1", 3)).toFuture();
        time.advanceTimeBy(WINDOW);
        assertThat(bus.sends).hasSize(2);
        assertThat(bus.sends.get(1).facts()).containsExactly(fact("m1", "d1", 3));
        bus.sends.get(1).outcome().tryEmitEmpty();
        assertThat(third).isCompleted();
    }

    @Test
    void aFullBatchGoesOutWithoutWaitingForTheWindow() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", WINDOW, 3, BYTES, time);
        for (int page = 1; page <= 4; page++) {
            facts.publish(fact("m1", "d1", page)).subscribe();
        }
        assertThat(bus.sends).singleElement().satisfies(send -> assertThat(send.facts())
                .containsExactly(fact("m1", "d1", 1), fact("m1", "d1", 2), fact("m1", "d1", 3)));

        time.advanceTimeBy(WINDOW);
        assertThat(bus.sends).hasSize(2);
        assertThat(bus.sends.get(1).facts()).containsExactly(fact("m1", "d1", 4));
        // The timer of the first batch was cancelled when it filled up: no empty or repeated send.
        time.advanceTimeBy(WINDOW.multipliedBy(3));
        assertThat(bus.sends).hasSize(2);
    }

    @Test
    void theByteBoundCutsABatchBeforeItsMessageOutgrowsIt() {
        long bound = WorkerProperties.Facts.MIN_BATCH_BYTES.toBytes();
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", WINDOW, 1000, bound, time);
        String matter = "m".repeat(64);
        String document = "d".repeat(64);
        List<PageExtracted> published = new ArrayList<>();
        for (int page = 1; page <= 40; page++) {
            published.add(fact(matter, document, page));
            facts.publish(published.get(page - 1)).subscribe();
        }
        time.advanceTimeBy(WINDOW);

        // About 330 bytes a fact with the longest ids: 4 KB holds about a dozen, well below the count bound.
        assertThat(bus.sends).hasSizeBetween(3, 6);
        assertThat(bus.sends).allSatisfy(send -> assertThat(send.messages()).singleElement()
                .satisfies(message -> assertThat(message.body().length).isLessThanOrEqualTo((int) bound)));
        assertThat(bus.sends.get(0).facts()).hasSizeGreaterThan(8);
        assertThat(bus.sends.stream().flatMap(send -> send.facts().stream()).toList())
                .containsExactlyElementsOf(published);
    }

    @Test
    void aPageNeverTakesMoreOfTheBodyThanCounted() {
        String traceparent = TraceContext.generate();
        List<PagesExtracted.Page> pages = new ArrayList<>();
        long counted = BatchedFactPublisher.ENVELOPE_BYTES;
        for (int page = 1; page <= 3; page++) {
            String document = "d".repeat(60) + page;
            pages.add(new PagesExtracted.Page(document, 99_999 + page,
                    BlobPaths.extraction("m".repeat(64), document, 99_999 + page), traceparent));
            counted += BatchedFactPublisher.bytesOf(pages.get(page - 1));
        }
        byte[] body = MessageCodec.encode(new PagesExtracted("m".repeat(64), pages)).body();

        assertThat(body.length).isLessThanOrEqualTo((int) counted);
        // ...and not far more either, or batches would be cut needlessly small.
        assertThat(counted - body.length).isLessThan(200);
    }

    @Test
    void eachBatchedFactCarriesTheTraceOfTheHandlerThatPublishedIt() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", WINDOW, 32, BYTES, time);
        String pageA = TraceContext.generate();
        String pageB = TraceContext.generate();
        facts.publish(fact("m1", "d1", 1)).contextWrite(Context.of(TraceContext.PROPERTY, pageA)).subscribe();
        facts.publish(fact("m1", "d1", 2)).contextWrite(Context.of(TraceContext.PROPERTY, pageB)).subscribe();
        time.advanceTimeBy(WINDOW);

        assertThat(bus.sends).singleElement().satisfies(send -> assertThat(send.decoded()).singleElement()
                .isInstanceOfSatisfying(PagesExtracted.class, batch -> assertThat(batch.pages())
                        .extracting(PagesExtracted.Page::traceparent).containsExactly(pageA, pageB)));
    }

    @Test
    void factsOfSeveralMattersGoOutInOneSendAsAMessagePerMatterAndALoneFactAsItself() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", WINDOW, 32, BYTES, time);
        String lone = TraceContext.generate();
        facts.publish(fact("m1", "d1", 1)).subscribe();
        facts.publish(fact("m2", "d9", 4)).contextWrite(Context.of(TraceContext.PROPERTY, lone)).subscribe();
        facts.publish(fact("m1", "d2", 1)).subscribe();
        time.advanceTimeBy(WINDOW);

        assertThat(bus.sends).singleElement().satisfies(send -> {
            assertThat(send.decoded()).hasSize(2);
            assertThat(send.decoded().get(0)).isInstanceOfSatisfying(PagesExtracted.class,
                    batch -> assertThat(batch.facts()).containsExactly(fact("m1", "d1", 1), fact("m1", "d2", 1)));
            // Readable by any aggregator, in its page's trace.
            assertThat(send.decoded().get(1)).isEqualTo(fact("m2", "d9", 4));
            assertThat(send.messages().get(1).properties()).containsEntry(TraceContext.PROPERTY, lone);
            assertThat(send.messages().get(1).messageId()).isEqualTo(fact("m2", "d9", 4).messageId());
        });
    }

    @Test
    void theSameFactsMakeTheSameMessageId() {
        PagesExtracted batch = new PagesExtracted("m1", List.of(
                new PagesExtracted.Page("d1", 1, "a", TraceContext.generate()),
                new PagesExtracted.Page("d1", 2, "b", null)));
        PagesExtracted again = new PagesExtracted("m1", List.of(
                new PagesExtracted.Page("d1", 1, "a", TraceContext.generate()),
                new PagesExtracted.Page("d1", 2, "b", TraceContext.generate())));
        PagesExtracted other = new PagesExtracted("m1", List.of(new PagesExtracted.Page("d1", 1, "a", null)));

        assertThat(batch.messageId()).isEqualTo(again.messageId()).isNotEqualTo(other.messageId())
                .startsWith("pages-extracted:m1:").hasSizeLessThanOrEqualTo(128);
    }

    @Test
    void aSendThatThrowsFailsTheFactsOfItsBatch() {
        MessageBus throwing = new RecordingBus() {
            @Override
            public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
                throw new IllegalStateException("sender closed");
            }
        };
        BatchedFactPublisher facts = new BatchedFactPublisher(throwing, "results", WINDOW, 32, BYTES, time);
        var first = facts.publish(fact("m1", "d1", 1)).toFuture();
        time.advanceTimeBy(WINDOW);

        assertThat(first).isCompletedExceptionally();
    }

    @Test
    void aZeroWindowSendsEachFactAtOnceAsItself() {
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, "results", Duration.ZERO, 32, BYTES, time);
        facts.publish(fact("m1", "d1", 1)).subscribe();
        assertThat(bus.singles).containsExactly(fact("m1", "d1", 1));
        assertThat(bus.sends).isEmpty();
    }

    @Test
    void aByteBoundBelowOneFactIsRefused() {
        assertThatThrownBy(() -> new BatchedFactPublisher(bus, "results", WINDOW, 32, 1024, time))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static PageExtracted fact(String matterId, String documentId, int page) {
        return new PageExtracted(matterId, documentId, page, BlobPaths.extraction(matterId, documentId, page));
    }

    private record Send(List<OutboundMessage> messages, Sinks.Empty<Void> outcome) {

        List<PipelineMessage> decoded() {
            return messages.stream().map(message -> MessageCodec.decode(message.body())).toList();
        }

        List<PipelineMessage> facts() {
            return decoded().stream().flatMap(message -> PagesExtracted.factsOf(message).stream())
                    .map(PipelineMessage.class::cast).toList();
        }
    }

    /** Records each send; a batch's send completes (or fails) when the test says so. */
    private static class RecordingBus implements MessageBus {

        final List<Send> sends = new CopyOnWriteArrayList<>();
        final List<PipelineMessage> singles = new CopyOnWriteArrayList<>();

        @Override
        public Mono<Void> publish(String queue, OutboundMessage message) {
            singles.add(MessageCodec.decode(message.body()));
            return Mono.empty();
        }

        @Override
        public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
            return Mono.defer(() -> {
                Send send = new Send(List.copyOf(messages), Sinks.empty());
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
