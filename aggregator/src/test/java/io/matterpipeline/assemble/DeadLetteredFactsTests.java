package io.matterpipeline.assemble;

import static io.matterpipeline.assemble.MatterScenario.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.assemble.sentinel.DeadLetterSweep;
import io.matterpipeline.bus.DeadLetterSweepSettings;
import io.matterpipeline.bus.memory.InMemoryDeadLetters;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.memory.InMemoryBusOptions;
import io.matterpipeline.bus.memory.InMemoryDeadLetters;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.contract.DocumentSplit;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PagesExtracted;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.progress.FailureNote;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fact lost on the results queue never leaves its Matter PROCESSING: a batch the aggregator gives up on (failed on
 * its last delivery) and a batch the broker dead-lettered without any handler reporting it (swept) both end their
 * unrecorded pages failed with the reason, so the Matter finishes PARTIAL; pages that were recorded stay read, and
 * looking again changes nothing.
 */
class DeadLetteredFactsTests {

    private static final Duration WITHIN = ResultsIntake.WITHIN;

    private final InMemoryMessageBus bus = InMemoryMessageBus.create(InMemoryBusOptions.defaults());
    private final ResultsIntake intake = new ResultsIntake(bus, new MatterScenario("m-lost")
            .document("d-a", "a.pdf", 5, 4)
            .document("d-b", "b.pdf", 3));
    private final MemoryBlobStore store = intake.store;

    @AfterEach
    void stop() {
        intake.close();
    }

    @Test
    void aBatchFailedOnItsLastDeliveryEndsItsUnrecordedPagesFailedAndTheMatterPartial() {
        intake.matter.writeBlobs(store);
        intake.start(bus, 2);
        intake.publish(intake.splits());
        ResultsIntake.await(() -> bus.activeCount(Queues.RESULTS) == 0);
        // d-b's progress write fails on both deliveries of the batch (the store was down for longer than its
        // retries); d-a's facts are recorded the first time.
        store.failNextPut(path -> path.equals(BlobPaths.documentProgress("m-lost", "d-b")));
        store.failNextPut(path -> path.equals(BlobPaths.documentProgress("m-lost", "d-b")));
        intake.publish(intake.sealAndFailures());
        intake.publish(List.of(intake.batch()));

        intake.awaitFinished();
        assertThat(bus.deadLetters(Queues.RESULTS)).singleElement()
                .satisfies(letter -> assertThat(letter.reason()).isEqualTo("injected-crash"));
        ObjectNode result = result(store, "m-lost");
        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(result.path("summary").path("pagesExtracted").asInt()).isEqualTo(4);
        assertThat(result.path("summary").path("pagesFailed").asInt()).isEqualTo(4);
        assertThat(intake.progress("d-a").extractedPages()).containsExactly(1, 2, 3, 5);
        assertThat(intake.progress("d-a").failedPages().get(4).reason()).isEqualTo("model-unavailable");
        assertThat(intake.progress("d-b").failedPages()).containsOnlyKeys(1, 2, 3);
        assertThat(intake.progress("d-b").failedPages().values()).extracting(FailureNote::reason)
                .containsOnly("injected-crash");
        assertThat(intake.progress("d-b").failedPages().get(1).description())
                .contains("results", "page-extracted:m-lost:d-b:1");
    }

    @Test
    void aBatchTheBrokerDeadLetteredIsFailedByTheSweepOnceAndItsRecordedPagesStayRead() {
        intake.matter.writeBlobs(store);
        bus.declareQueue(Queues.RESULTS, Duration.ofSeconds(30), 2);
        // Every fact of d-a but page 5 arrives; the batch of d-a's page 5 and all of d-b is delivered twice to an
        // aggregator that dies on it (never settled, here abandoned) and the broker moves it to the dead letters.
        List<PagesExtracted.Page> lost = new ArrayList<>();
        List<PipelineMessage> arrived = new ArrayList<>();
        for (PipelineMessage message : intake.matter.messages()) {
            if (message instanceof PageExtracted page && (page.documentId().equals("d-b") || page.pageNumber() == 5)) {
                lost.add(new PagesExtracted.Page(page.documentId(), page.pageNumber(), page.extractionBlob(), null));
            } else {
                arrived.add(message);
            }
        }
        // Page 3 of d-a is in the lost batch too: a fact recorded before the batch was lost must stay read.
        lost.add(new PagesExtracted.Page("d-a", 3, BlobPaths.extraction("m-lost", "d-a", 3), null));
        intake.publish(List.of(new PagesExtracted("m-lost", lost)));
        for (int delivery = 0; delivery < 2; delivery++) {
            bus.receive(Queues.RESULTS, ReceiveOptions.defaults()).next().flatMap(Delivery::abandon).block(WITHIN);
        }
        assertThat(bus.deadLetters(Queues.RESULTS)).singleElement()
                .satisfies(letter -> assertThat(letter.reason()).isEqualTo("MaxDeliveryCountExceeded"));
        intake.start(bus, 10);
        intake.publish(arrived);
        ResultsIntake.await(() -> bus.activeCount(Queues.RESULTS) == 0);
        assertThat(bus.activeCount(Queues.MATTERS_COMPLETED)).isZero();

        assertThat(sweep().sweep().block(WITHIN)).isEqualTo(4L);

        intake.awaitFinished();
        ObjectNode result = result(store, "m-lost");
        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(intake.progress("d-a").extractedPages()).containsExactly(1, 2, 3);
        assertThat(intake.progress("d-a").failedPageNumbers()).containsExactly(4, 5);
        assertThat(intake.progress("d-a").failedPages().get(5).reason()).isEqualTo("MaxDeliveryCountExceeded");
        assertThat(intake.progress("d-b").failedPageNumbers()).containsExactly(1, 2, 3);
        // A sweep of another instance, or after a restart (nothing remembered), finds everything settled.
        byte[] before = store.bytes(BlobPaths.documentProgress("m-lost", "d-b"));
        assertThat(sweep().sweep().block(WITHIN)).isZero();
        assertThat(store.bytes(BlobPaths.documentProgress("m-lost", "d-b"))).isEqualTo(before);
        assertThat(bus.deadLetters(Queues.RESULTS)).hasSize(1);
    }

    @Test
    void aSealFailedOnItsLastDeliveryEndsTheMatterFailedWithTheReason() {
        intake.matter.writeBlobs(store);
        intake.start(bus, 2);
        List<PipelineMessage> withoutSeal = intake.matter.documentMessages();
        intake.publish(withoutSeal);
        ResultsIntake.await(() -> bus.activeCount(Queues.RESULTS) == 0);
        // The seal's progress write fails on both of its deliveries.
        store.failNextPut(path -> path.equals(BlobPaths.matterProgress("m-lost")));
        store.failNextPut(path -> path.equals(BlobPaths.matterProgress("m-lost")));
        intake.publish(List.of(intake.matter.sealed()));

        intake.awaitFinished();
        ObjectNode result = result(store, "m-lost");
        assertThat(result.path("status").asString()).isEqualTo("FAILED");
        assertThat(result.path("failures").path(0).path("reason").asString()).isEqualTo("injected-crash");
        assertThat(result.path("failures").path(0).path("description").asString()).contains("matter-sealed");
        assertThat(bus.deadLetters(Queues.RESULTS)).singleElement()
                .satisfies(letter -> assertThat(letter.type()).isEqualTo("matter-sealed"));
    }

    @Test
    void aPoisonSplitEndsItsDocumentFailedWithTheReasonAndTheMatterPartial() {
        intake.matter.writeBlobs(store);
        intake.start(bus, 10);
        intake.publish(intake.matter.messages().stream()
                .map(message -> message instanceof DocumentSplit split && split.documentId().equals("d-b")
                        ? new DocumentSplit(split.matterId(), "d-b", split.kind(), -1, null)
                        : message)
                .toList());

        intake.awaitFinished();
        ObjectNode result = result(store, "m-lost");
        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(intake.progress("d-b").documentFailure().reason()).isEqualTo("invalid-page-count");
        assertThat(intake.progress("d-a").extractedPages()).containsExactly(1, 2, 3, 5);
    }

    private DeadLetterSweep sweep() {
        return new DeadLetterSweep(new InMemoryDeadLetters(bus), bus, List.of(Queues.RESULTS), Queues.RESULTS,
                intake.assembler.lostFacts(), new DeadLetterSweepSettings(true, Duration.ofMinutes(1), 100, 1000));
    }
}
