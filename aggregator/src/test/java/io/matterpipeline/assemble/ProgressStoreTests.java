package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.DelegatingBlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.progress.DocumentProgress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class ProgressStoreTests {

    private static final AggregatorProperties.Progress FAST =
            new AggregatorProperties.Progress(100, Duration.ofMillis(1), Duration.ofMillis(20), 0.75,
                    Duration.ZERO, 1);

    @Test
    void concurrentUpdatesAreAllKept() {
        MemoryBlobStore store = new MemoryBlobStore();
        ProgressStore progress = new ProgressStore(store, FAST);

        Flux.range(1, 64)
                .flatMap(page -> progress.updateDocument("m-1", "d-1", doc -> doc.withPageExtracted(page)), 16)
                .then(progress.readDocument("m-1", "d-1"))
                .as(StepVerifier::create)
                .assertNext(doc -> assertThat(doc.extractedPages()).hasSize(64))
                .expectComplete()
                .verify(Duration.ofSeconds(30));
        assertThat(store.conflicts()).isPositive();
    }

    @Test
    void unchangedFactWritesNothing() {
        MemoryBlobStore store = new MemoryBlobStore();
        ProgressStore progress = new ProgressStore(store, FAST);
        progress.updateDocument("m-1", "d-1", doc -> doc.withPageExtracted(1)).block(Duration.ofSeconds(5));
        byte[] before = store.bytes("matters/m-1/documents/d-1/progress.json");
        String etag = store.read("matters/m-1/documents/d-1/progress.json").block(Duration.ofSeconds(5)).etag();

        progress.updateDocument("m-1", "d-1", doc -> doc.withPageExtracted(1)).block(Duration.ofSeconds(5));

        assertThat(store.read("matters/m-1/documents/d-1/progress.json").block(Duration.ofSeconds(5)).etag())
                .isEqualTo(etag);
        assertThat(store.bytes("matters/m-1/documents/d-1/progress.json")).isEqualTo(before);
    }

    @Test
    void givesUpAfterTheConfiguredNumberOfLostRaces() {
        MemoryBlobStore store = new MemoryBlobStore();
        AlwaysConflicting conflicting = new AlwaysConflicting(store);
        ProgressStore progress = new ProgressStore(conflicting,
                new AggregatorProperties.Progress(3, Duration.ofMillis(1), Duration.ofMillis(2), 0.5,
                        Duration.ZERO, 1));

        StepVerifier.create(progress.updateDocument("m-1", "d-1", doc -> doc.withPageExtracted(1)))
                .expectErrorSatisfies(error -> assertThat(((PipelineException) error).reason())
                        .isEqualTo("progress-contention"))
                .verify(Duration.ofSeconds(10));
        assertThat(conflicting.attempts).isEqualTo(4);
    }

    /** Every conditional write loses the race. */
    private static final class AlwaysConflicting extends DelegatingBlobStore {
        int attempts;

        AlwaysConflicting(MemoryBlobStore delegate) {
            super(delegate);
        }

        @Override
        public Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition,
                Map<String, String> metadata) {
            return Mono.defer(() -> {
                attempts++;
                return Mono.error(new ConflictException("precondition-failed", "lost the race"));
            });
        }
    }

    @Test
    void documentProgressSurvivesTheRoundTrip() {
        MemoryBlobStore store = new MemoryBlobStore();
        ProgressStore progress = new ProgressStore(store, FAST);
        progress.updateDocument("m-1", "d-1", doc -> doc.withSplit("pdf", 3, 0.5).withPageExtracted(2)
                        .withPageFailed(3, new io.matterpipeline.progress.FailureNote("timeout", "slow")))
                .block(Duration.ofSeconds(5));

        DocumentProgress read = progress.readDocument("m-1", "d-1").block(Duration.ofSeconds(5));

        assertThat(read).isEqualTo(DocumentProgress.empty("m-1", "d-1").withSplit("pdf", 3, 0.5).withPageExtracted(2)
                .withPageFailed(3, new io.matterpipeline.progress.FailureNote("timeout", "slow")));
    }
}
