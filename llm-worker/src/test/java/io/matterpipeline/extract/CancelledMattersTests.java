package io.matterpipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.metering.PortCounter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/** The worker's cancel check costs a stat per Matter and recheck, not a read per page. */
class CancelledMattersTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path root;

    private FileSystemBlobStore files;
    private final PortCounter counter = new PortCounter();

    @BeforeEach
    void open() {
        files = FileSystemBlobStore.create(root);
    }

    @AfterEach
    void close() {
        files.close();
    }

    @Test
    void manyPagesOfAMatterShareOneStat() {
        CancelledMatters matters = new CancelledMatters(counter.count(files), Duration.ofHours(1));

        assertThat(Flux.range(1, 50).flatMap(page -> matters.isCancelled("m1"), 8).collectList().block(WAIT))
                .hasSize(50).containsOnly(false);
        matters.isCancelled("m2").block(WAIT);

        assertThat(counter.snapshot().blobStats()).isEqualTo(2);
        assertThat(counter.snapshot().blobReads()).isZero();
    }

    @Test
    void aCancelIsSeenAfterTheRecheckAndThenKeptForGood() {
        CancelledMatters matters = new CancelledMatters(counter.count(files), Duration.ZERO);
        assertThat(matters.isCancelled("m1").block(WAIT)).isFalse();

        files.putBytes(BlobPaths.matterCancellation("m1"), "{}".getBytes(StandardCharsets.UTF_8),
                PutCondition.ifAbsent()).block(WAIT);
        assertThat(matters.isCancelled("m1").block(WAIT)).isTrue();
        long stats = counter.snapshot().blobStats();
        assertThat(Flux.range(1, 20).flatMap(page -> matters.isCancelled("m1")).collectList().block(WAIT))
                .containsOnly(true);

        assertThat(counter.snapshot().blobStats()).isEqualTo(stats);
    }
}
