package io.matterpipeline.assemble;

import static io.matterpipeline.assemble.MatterScenario.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.bus.memory.DeadLetteredMessage;
import io.matterpipeline.bus.memory.InMemoryBusOptions;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PagesExtracted;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.metering.PortCounter;
import io.matterpipeline.metering.PortCounts;
import io.matterpipeline.progress.DocumentProgress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * The aggregator's intake of the worker's batched facts ({@link PagesExtracted}) through its queue consumer: a batch is
 * folded with the other facts and settled once, after every fact in it is recorded; a redelivered batch changes
 * nothing; a transient failure of one fact retries the whole message; a poison fact dead-letters the message with its
 * reason while the rest of the batch is recorded, and the Matter still ends.
 */
class FactBatchIntakeTests {

    private final InMemoryMessageBus bus = InMemoryMessageBus.create(InMemoryBusOptions.defaults());
    private final PortCounter counter = new PortCounter();
    private final ResultsIntake intake = new ResultsIntake(bus, new MatterScenario("m-batch")
            .document("d-a", "a.pdf", 5, 4)
            .document("d-b", "b.pdf", 3));
    private final MemoryBlobStore store = intake.store;
    private final MatterScenario matter = intake.matter;

    @AfterEach
    void stop() {
        intake.close();
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
        publish(intake.sealAndFailures());
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
        publish(intake.sealAndFailures());
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

    private PagesExtracted batch() {
        return intake.batch();
    }

    private List<PipelineMessage> splits() {
        return intake.splits();
    }

    private void start() {
        intake.start(counter.count(bus), 10);
    }

    private void publish(List<? extends PipelineMessage> messages) {
        intake.publish(messages);
    }

    private void awaitFinished() {
        intake.awaitFinished();
    }

    private DocumentProgress progress(String documentId) {
        return intake.progress(documentId);
    }

    private static void await(Supplier<Boolean> condition) {
        ResultsIntake.await(condition);
    }
}
