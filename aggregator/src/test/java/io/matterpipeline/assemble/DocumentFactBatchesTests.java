package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.error.PoisonException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.metering.PortCounter;
import io.matterpipeline.metering.PortCounts;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.DocumentStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class DocumentFactBatchesTests {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final AggregatorProperties.Progress FAST =
            new AggregatorProperties.Progress(100, Duration.ofMillis(1), Duration.ofMillis(20), 0.75,
                    Duration.ZERO, 1);

    private final MemoryBlobStore memory = new MemoryBlobStore();
    private final PortCounter counter = new PortCounter();
    private final ProgressStore progress = new ProgressStore(counter.count(memory), FAST);
    private final List<DocumentProgress> followUps = new CopyOnWriteArrayList<>();

    private DocumentFactBatches batches(Duration window, int maxBatch, int maxWaiting) {
        return new DocumentFactBatches(progress, document -> Mono.fromRunnable(() -> followUps.add(document)),
                window, maxBatch, maxWaiting);
    }

    private DocumentProgress stored(String documentId) {
        return progress.readDocument("m-1", documentId).block(WAIT);
    }

    @Test
    void factsOfADocumentThatArriveTogetherAreOneWriteAndOneFollowUp() {
        DocumentFactBatches batches = batches(Duration.ofMillis(300), 256, 1000);

        Flux.range(1, 40)
                .flatMap(page -> batches.apply("m-1", "d-1", document -> document.withPageExtracted(page)), 40)
                .then()
                .as(StepVerifier::create)
                .expectComplete()
                .verify(WAIT);

        assertThat(stored("d-1").extractedPages()).hasSize(40);
        PortCounts counts = counter.snapshot();
        assertThat(counts.blobWrites()).isEqualTo(1);
        assertThat(counts.blobReads()).isEqualTo(2); // the batch's read, and the one above
        assertThat(followUps).hasSize(1);
        assertThat(followUps.get(0).extractedPages()).hasSize(40);
    }

    @Test
    void aFullBatchOrEveryConsumerSlotWaitingIsWrittenWithoutWaitingForTheWindow() {
        DocumentFactBatches full = batches(Duration.ofMinutes(10), 5, 1000);
        Flux.range(1, 5)
                .flatMap(page -> full.apply("m-1", "d-1", document -> document.withPageExtracted(page)), 5)
                .then()
                .as(StepVerifier::create)
                .expectComplete()
                .verify(WAIT);

        DocumentFactBatches saturated = batches(Duration.ofMinutes(10), 256, 4);
        Flux.range(1, 4)
                .flatMap(page -> saturated.apply("m-1", "d-" + (page % 2), document -> document.withPageExtracted(page)),
                        4)
                .then()
                .as(StepVerifier::create)
                .expectComplete()
                .verify(WAIT);

        assertThat(stored("d-1").extractedPages()).containsExactly(1, 2, 3, 4, 5);
        assertThat(stored("d-0").extractedPages()).containsExactly(2, 4);
    }

    @Test
    void factsArrivingDuringAWriteFormTheNextBatchAndNothingIsLost() {
        DocumentFactBatches batches = batches(Duration.ofMillis(5), 3, 1000);

        Flux.range(1, 200)
                .flatMap(page -> batches.apply("m-1", "d-" + (page % 3),
                        document -> document.withPageExtracted(page)), 24)
                .then()
                .as(StepVerifier::create)
                .expectComplete()
                .verify(WAIT);

        int total = 0;
        for (int d = 0; d < 3; d++) {
            total += stored("d-" + d).extractedPages().size();
        }
        assertThat(total).isEqualTo(200);
        assertThat(memory.conflicts()).as("one write in flight per document").isZero();
        assertThat(counter.snapshot().blobWrites()).isLessThan(200);
    }

    @Test
    void theLastOutstandingPageOfADocumentIsWrittenAtOnceInsteadOfWaitingOutTheWindow() {
        DocumentFactBatches batches = batches(Duration.ofHours(1), 256, 1000);
        // A fact about the whole document does not wait: the split is written at once.
        StepVerifier.create(batches.applyNow("m-1", "d-1", document -> document.withSplit("text", 3, null)))
                .expectComplete()
                .verify(WAIT);
        assertThat(followUps).singleElement().extracting(DocumentProgress::pageCount).isEqualTo(3);

        // Two of the three pages wait for the window.
        Sinks.Empty<Void> firstPages = Sinks.empty();
        Flux.merge(batches.apply("m-1", "d-1", document -> document.withPageExtracted(1)),
                        batches.apply("m-1", "d-1", document -> document.withPageExtracted(2)))
                .subscribe(null, firstPages::tryEmitError, firstPages::tryEmitEmpty);
        assertThat(stored("d-1").extractedPages()).isEmpty();

        // A duplicate makes the page facts as many as the pages outstanding: one write early, nothing settled yet.
        StepVerifier.create(batches.apply("m-1", "d-1", document -> document.withPageExtracted(2)))
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(firstPages.asMono()).expectComplete().verify(WAIT);
        assertThat(stored("d-1").extractedPages()).containsExactly(1, 2);

        // The last page is written on arrival, and its follow-up sees the document settled.
        StepVerifier.create(batches.apply("m-1", "d-1", document -> document.withPageExtracted(3)))
                .expectComplete()
                .verify(WAIT);
        assertThat(followUps).extracting(DocumentProgress::status)
                .containsExactly(DocumentStatus.EXTRACTING, DocumentStatus.EXTRACTING, DocumentStatus.COMPLETED);
        assertThat(counter.snapshot().blobWrites()).isEqualTo(3);
    }

    @Test
    void aRefusedFactFailsAloneAndAFailedWriteFailsTheWholeBatch() {
        DocumentFactBatches batches = batches(Duration.ofMillis(200), 256, 1000);
        Mono<Void> good = batches.apply("m-1", "d-1", document -> document.withPageExtracted(1));
        Mono<Void> poison = batches.apply("m-1", "d-1", document -> {
            throw new PoisonException("page-out-of-range", "page 99 of a 2-page document");
        });
        StepVerifier.create(Flux.merge(good, poison.onErrorResume(PoisonException.class, e -> Mono.empty())).then())
                .expectComplete()
                .verify(WAIT);
        StepVerifier.create(batches.apply("m-1", "d-1", document -> {
                    throw new PoisonException("page-out-of-range", "alone");
                }))
                .expectError(PoisonException.class)
                .verify(WAIT);
        assertThat(stored("d-1").extractedPages()).containsExactly(1);

        memory.failNextPut(path -> path.equals(BlobPaths.documentProgress("m-1", "d-2")));
        StepVerifier.create(Flux.merge(
                        batches.apply("m-1", "d-2", document -> document.withPageExtracted(1)),
                        batches.apply("m-1", "d-2", document -> document.withPageExtracted(2)))
                        .then())
                .expectError(TransientException.class)
                .verify(WAIT);
        // Redelivered, the facts are written (and each write is followed up).
        StepVerifier.create(Flux.merge(
                        batches.apply("m-1", "d-2", document -> document.withPageExtracted(1)),
                        batches.apply("m-1", "d-2", document -> document.withPageExtracted(2)))
                        .then())
                .expectComplete()
                .verify(WAIT);
        assertThat(stored("d-2").extractedPages()).containsExactly(1, 2);
    }
}
