package io.matterpipeline.assemble;

import static io.matterpipeline.assemble.MatterScenario.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.bus.ConsumerSettings;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.memory.DeadLetteredMessage;
import io.matterpipeline.bus.memory.InMemoryBusOptions;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.contract.DocumentSplit;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PagesExtracted;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.metering.PortCounter;
import io.matterpipeline.metering.PortCounts;
import io.matterpipeline.progress.DocumentProgress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import tools.jackson.databind.node.ObjectNode;

/**
 * The aggregator's intake of the worker's batched facts ({@link PagesExtracted}) through its queue consumer: a batch is
 * folded with the other facts and settled once, after every fact in it is recorded; a redelivered batch changes
 * nothing; a transient failure of one fact retries the whole message; a poison fact dead-letters the message with its
 * reason while the rest of the batch is recorded, and the Matter still ends.
 */
class FactBatchIntakeTests {

    private static final Duration WITHIN = Duration.ofSeconds(20);

    private final InMemoryMessageBus bus = InMemoryMessageBus.create(InMemoryBusOptions.defaults());
    private final PortCounter counter = new PortCounter();
    private final MemoryBlobStore store = new MemoryBlobStore();
    private final MatterScenario matter = new MatterScenario("m-batch")
            .document("d-a", "a.pdf", 5, 4)
            .document("d-b", "b.pdf", 3);
    private QueueConsumer consumer;

    @AfterEach
    void stop() {
        if (consumer != null) {
            consumer.stop();
        }
        bus.close();
    }

    @Test
    void aBatchIsSettledOnceAfterItsFactsAndItsRedeliveryCountsNothingTwice() {
        matter.writeBlobs(store);
        publish(matter.messages().stream().filter(message -> !(message instanceof PageExtracted)).toList());
        publish(List.of(batch(), batch()));
        start();

        awaitFinished();
        ObjectNode result = result(store, "m-batch");
        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(result.path("summary").path("pagesExtracted").asInt()).isEqualTo(7);
        assertThat(result.path("summary").path("pagesFailed").asInt()).isEqualTo(1);
        assertThat(progress("d-a").extractedPages()).containsExactly(1, 2, 3, 5);
        assertThat(progress("d-b").extractedPages()).containsExactly(1, 2, 3);
        assertThat(bus.deadLetters(Queues.RESULTS)).isEmpty();
        // Two splits, a PageFailed, the seal and the batch twice: one delivery and one settlement each, not one per
        // page.
        PortCounts counts = counter.snapshot();
        assertThat(counts.busReceives()).isEqualTo(6);
        assertThat(counts.busSettlements()).isEqualTo(6);
    }

    @Test
    void aTransientFailureOfOneFactRetriesTheWholeBatchAndTheMatterCompletes() {
        matter.writeBlobs(store);
        start();
        publish(splits());
        await(() -> bus.activeCount(Queues.RESULTS) == 0);
        // The batch's facts of d-b fail once (their progress write); those of d-a are recorded the first time.
        store.failNextPut(path -> path.equals(BlobPaths.documentProgress("m-batch", "d-b")));
        publish(matter.messages().stream()
                .filter(message -> !(message instanceof PageExtracted) && !(message instanceof DocumentSplit))
                .toList());
        publish(List.of(batch()));

        awaitFinished();
        assertThat(result(store, "m-batch").path("summary").path("pagesExtracted").asInt()).isEqualTo(7);
        assertThat(progress("d-a").extractedPages()).containsExactly(1, 2, 3, 5);
        assertThat(progress("d-b").extractedPages()).containsExactly(1, 2, 3);
        assertThat(bus.deadLetters(Queues.RESULTS)).isEmpty();
        // The batch was delivered twice (abandoned once, then completed); everything else once.
        assertThat(counter.snapshot().busReceives()).isEqualTo(6);
    }

    @Test
    void aPoisonFactDeadLettersItsBatchWithTheReasonWhileTheOthersAreRecordedAndTheMatterEnds() {
        matter.writeBlobs(store);
        start();
        publish(splits());
        await(() -> bus.activeCount(Queues.RESULTS) == 0);
        List<PagesExtracted.Page> pages = new ArrayList<>(batch().pages());
        pages.add(new PagesExtracted.Page("d-b", 9, BlobPaths.extraction("m-batch", "d-b", 9), null));
        publish(matter.messages().stream()
                .filter(message -> !(message instanceof PageExtracted) && !(message instanceof DocumentSplit))
                .toList());
        publish(List.of(new PagesExtracted("m-batch", pages)));

        awaitFinished();
        assertThat(bus.deadLetters(Queues.RESULTS)).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo("page-out-of-range");
            assertThat(letter.messageId()).startsWith("pages-extracted:m-batch:");
        });
        ObjectNode result = result(store, "m-batch");
        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(result.path("summary").path("pagesExtracted").asInt()).isEqualTo(7);
    }

    /** The extracted pages of both documents, as one worker batch. */
    private PagesExtracted batch() {
        List<PagesExtracted.Page> pages = new ArrayList<>();
        for (PipelineMessage message : matter.messages()) {
            if (message instanceof PageExtracted page) {
                pages.add(new PagesExtracted.Page(page.documentId(), page.pageNumber(), page.extractionBlob(), null));
            }
        }
        return new PagesExtracted("m-batch", pages);
    }

    private List<PipelineMessage> splits() {
        return matter.messages().stream().filter(DocumentSplit.class::isInstance).toList();
    }

    private void start() {
        AggregatorProperties defaults = AggregatorProperties.defaults();
        AggregatorProperties.Progress progress = defaults.progress();
        AggregatorProperties properties = new AggregatorProperties(defaults.concurrency(), defaults.consumer(),
                new AggregatorProperties.Progress(progress.casMaxAttempts(), progress.casFirstBackoff(),
                        progress.casMaxBackoff(), progress.casJitter(), Duration.ofMillis(50),
                        progress.batchMaxFacts()),
                defaults.merge());
        var counted = counter.count(bus);
        MatterAssembler assembler = new MatterAssembler(store, counted, Queues.MATTERS_COMPLETED, properties,
                Clock.systemUTC());
        consumer = new QueueConsumer(counted, Queues.RESULTS, ConsumerSettings.of(16).withMaxDeliveries(10)
                .withRetryBackoff(Duration.ofMillis(5), Duration.ofMillis(20)), assembler);
        consumer.start();
    }

    private void publish(List<? extends PipelineMessage> messages) {
        Flux.fromIterable(messages).concatMap(message -> bus.publish(Queues.RESULTS, MessageCodec.encode(message)))
                .then().block(WITHIN);
    }

    private void awaitFinished() {
        await(() -> bus.activeCount(Queues.MATTERS_COMPLETED) > 0 && bus.activeCount(Queues.RESULTS) == 0);
    }

    private DocumentProgress progress(String documentId) {
        return MessageCodec.mapper().readValue(store.bytes(BlobPaths.documentProgress("m-batch", documentId)),
                DocumentProgress.class);
    }

    private static void await(Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + WITHIN);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
    }
}
