package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.bus.ConsumerSettings;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.contract.DocumentSplit;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PagesExtracted;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.progress.DocumentProgress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;

/**
 * The aggregator consuming the results queue of an in-memory bus over a {@link MemoryBlobStore}, for tests that feed
 * it a {@link MatterScenario}'s messages and wait on what it did: facts folded within 50 ms, quick retries.
 */
final class ResultsIntake implements AutoCloseable {

    static final Duration WITHIN = Duration.ofSeconds(20);

    final InMemoryMessageBus bus;
    final MemoryBlobStore store = new MemoryBlobStore();
    final MatterScenario matter;
    MatterAssembler assembler;
    private QueueConsumer consumer;

    ResultsIntake(InMemoryMessageBus bus, MatterScenario matter) {
        this.bus = bus;
        this.matter = matter;
    }

    /** Starts the aggregator's consumer, talking to the bus through {@code through} (the bus, or a counting view). */
    void start(MessageBus through, int maxDeliveries) {
        assembler = assembler(store, through);
        consumer = consumer(through, assembler, maxDeliveries);
        consumer.start();
    }

    /** An aggregator over {@code store} that folds facts within 50 ms. */
    static MatterAssembler assembler(MemoryBlobStore store, MessageBus bus) {
        AggregatorProperties defaults = AggregatorProperties.defaults();
        AggregatorProperties.Progress progress = defaults.progress();
        AggregatorProperties properties = new AggregatorProperties(defaults.concurrency(), defaults.consumer(),
                new AggregatorProperties.Progress(progress.casMaxAttempts(), progress.casFirstBackoff(),
                        progress.casMaxBackoff(), progress.casJitter(), Duration.ofMillis(50),
                        progress.batchMaxFacts()),
                defaults.merge());
        return new MatterAssembler(store, bus, Queues.MATTERS_COMPLETED, properties, Clock.systemUTC());
    }

    /** Its consumer of the results queue (not started), with quick retries. */
    static QueueConsumer consumer(MessageBus bus, MatterAssembler assembler, int maxDeliveries) {
        return new QueueConsumer(bus, Queues.RESULTS, ConsumerSettings.of(16).withMaxDeliveries(maxDeliveries)
                .withRetryBackoff(Duration.ofMillis(5), Duration.ofMillis(20)), assembler);
    }

    /** The extracted pages of every document, as one worker batch. */
    PagesExtracted batch() {
        List<PagesExtracted.Page> pages = new ArrayList<>();
        for (PipelineMessage message : matter.messages()) {
            if (message instanceof PageExtracted page) {
                pages.add(new PagesExtracted.Page(page.documentId(), page.pageNumber(), page.extractionBlob(), null));
            }
        }
        return new PagesExtracted(matter.matterId, pages);
    }

    List<PipelineMessage> splits() {
        return matter.messages().stream().filter(DocumentSplit.class::isInstance).toList();
    }

    /** Every message but the splits and the page facts: the seal and the PageFailed facts. */
    List<PipelineMessage> sealAndFailures() {
        return matter.messages().stream()
                .filter(message -> !(message instanceof PageExtracted) && !(message instanceof DocumentSplit))
                .toList();
    }

    void publish(List<? extends PipelineMessage> messages) {
        Flux.fromIterable(messages).concatMap(message -> bus.publish(Queues.RESULTS, MessageCodec.encode(message)))
                .then().block(WITHIN);
    }

    void awaitFinished() {
        await(() -> bus.activeCount(Queues.MATTERS_COMPLETED) > 0 && bus.activeCount(Queues.RESULTS) == 0);
    }

    DocumentProgress progress(String documentId) {
        return MessageCodec.mapper().readValue(store.bytes(BlobPaths.documentProgress(matter.matterId, documentId)),
                DocumentProgress.class);
    }

    static void await(Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + WITHIN);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
    }

    @Override
    public void close() {
        if (consumer != null) {
            consumer.stop();
        }
        bus.close();
    }
}
