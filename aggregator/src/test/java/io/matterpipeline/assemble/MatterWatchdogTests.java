package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.assemble.sentinel.MatterWatchdog;
import io.matterpipeline.assemble.sentinel.MatterWatchdogProperties;
import io.matterpipeline.assemble.sentinel.WatchList;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.DelegatingBlobStore;
import io.matterpipeline.bus.MessageHandler.DeliveryAttempt;
import io.matterpipeline.contract.MatterCompleted;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.error.FatalErrors;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.progress.MatterStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

/**
 * A Matter whose pages all settled but whose result is missing — its seal dead-lettered after every delivery failed,
 * as when each one ran the process out of memory — is finished by the watchdog, or, when it cannot be, ended FAILED;
 * either way it is logged and counted.
 */
class MatterWatchdogTests {

    private static final Duration STALL_AFTER = Duration.ofMinutes(10);
    private static final int MAX_ATTEMPTS = 2;

    private final MemoryBlobStore memory = new MemoryBlobStore();
    private final RecordingBus bus = new RecordingBus();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** The watchdog looks from eleven minutes later (the store's blobs carry the real time). */
    private final Clock later = Clock.offset(Clock.systemUTC(), STALL_AFTER.plusMinutes(1));

    private MatterAssembler assembler(DelegatingBlobStore store) {
        return new MatterAssembler(store, bus, Queues.MATTERS_COMPLETED, AggregatorProperties.defaults(),
                Clock.systemUTC());
    }

    private MatterWatchdog watchdog(MatterAssembler assembler) {
        return watchdog(memory, assembler);
    }

    /** The watchdog of an instance that sees the store as {@code store}. */
    private MatterWatchdog watchdog(BlobStore store, MatterAssembler assembler) {
        return new MatterWatchdog(new WatchList(store), assembler, new MatterWatchdogProperties(true,
                Duration.ofMinutes(1), STALL_AFTER, MAX_ATTEMPTS, Duration.ofSeconds(30), 2), later, registry);
    }

    /** A Matter whose every page settled and whose seal was handled, but whose result was never written. */
    private MatterScenario stalledMatter(String matterId) {
        MatterScenario matter = new MatterScenario(matterId).document("d-a", "a.pdf", 3).document("d-b", "b.pdf", 2);
        matter.writeBlobs(memory);
        MatterAssembler failing = assembler(new LostDocumentResults(memory));
        MatterScenario.handleAll(failing, matter.documentMessages(), 4);
        StepVerifier.create(failing.handle(matter.sealed(), new DeliveryAttempt(0, 10)))
                .expectError(AssemblyFailedException.class)
                .verify(Duration.ofSeconds(30));
        assertThat(progress(matterId).status()).isEqualTo(MatterStatus.PROCESSING);
        return matter;
    }

    private MatterProgress progress(String matterId) {
        return MessageCodec.mapper().readValue(memory.bytes(BlobPaths.matterProgress(matterId)),
                MatterProgress.class);
    }

    private double counted(String outcome) {
        return registry.counter(MatterWatchdog.METER, "outcome", outcome).count();
    }

    private long check(MatterWatchdog watchdog) {
        return watchdog.check().block(Duration.ofSeconds(60));
    }

    @Test
    void aStalledMatterIsFinishedLoggedAndCounted() {
        stalledMatter("m-stalled");
        MatterWatchdog watchdog = watchdog(assembler(new DelegatingBlobStore(memory)));

        assertThat(check(watchdog)).isEqualTo(1);

        assertThat(progress("m-stalled").status()).isEqualTo(MatterStatus.COMPLETED);
        assertThat(MatterScenario.result(memory, "m-stalled").path("summary").path("pages").asInt()).isEqualTo(5);
        assertThat(bus.published()).extracting(published -> ((MatterCompleted) published.decoded()).status())
                .containsExactly("COMPLETED");
        assertThat(counted("finished")).isEqualTo(1);
        assertThat(memory.bytes(BlobPaths.watch("m-stalled"))).as("off the watch list").isNull();
        assertThat(check(watchdog)).as("nothing left to do").isZero();
    }

    @Test
    void aMatterThatCannotBeFinishedEndsFailedAfterTheAttempts() {
        stalledMatter("m-hopeless");
        MatterWatchdog watchdog = watchdog(assembler(new LostDocumentResults(memory)));

        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            assertThat(check(watchdog)).isEqualTo(1);
            assertThat(progress("m-hopeless").status()).isEqualTo(MatterStatus.PROCESSING);
        }
        assertThat(counted("error")).isEqualTo(MAX_ATTEMPTS);
        assertThat(check(watchdog)).isEqualTo(1);

        assertThat(progress("m-hopeless").status()).isEqualTo(MatterStatus.FAILED);
        JsonNode failure = MatterScenario.result(memory, "m-hopeless").path("failures").get(0);
        assertThat(failure.path("reason").asString()).isEqualTo(MatterWatchdog.GAVE_UP);
        assertThat(failure.path("description").asString()).contains("timed out");
        assertThat(counted("failed")).isEqualTo(1);
        assertThat(memory.bytes(BlobPaths.watch("m-hopeless"))).isNull();
    }

    @Test
    void aMatterWhoseAssemblyStopsEveryInstanceEndsFailedAfterTheAttempts() throws Exception {
        stalledMatter("m-fatal");

        // Each attempt runs an instance out of memory; the halt stops it before it can record anything more.
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            FailingMatterResults instance = new FailingMatterResults(memory, Integer.MAX_VALUE, () -> {
                throw new OutOfMemoryError("Java heap space (injected)");
            });
            MatterWatchdog dying = watchdog(instance, assembler(instance));
            assertThat(AssemblyFailureTests.untilHalted(instance, dying::check)).isEqualTo(FatalErrors.EXIT_STATUS);
            assertThat(progress("m-fatal").status()).isEqualTo(MatterStatus.PROCESSING);
        }

        // The attempts were counted before they started, so the next look ends the Matter FAILED without trying
        // again (here a try would have finished it: this instance's store works).
        assertThat(check(watchdog(assembler(new DelegatingBlobStore(memory))))).isEqualTo(1);

        assertThat(progress("m-fatal").status()).isEqualTo(MatterStatus.FAILED);
        JsonNode failure = MatterScenario.result(memory, "m-fatal").path("failures").get(0);
        assertThat(failure.path("reason").asString()).isEqualTo(MatterWatchdog.GAVE_UP);
        assertThat(failure.path("description").asString()).contains("tried " + MAX_ATTEMPTS + " times");
        assertThat(counted("failed")).isEqualTo(1);
        assertThat(bus.published()).extracting(published -> ((MatterCompleted) published.decoded()).status())
                .containsExactly("FAILED");
        assertThat(memory.bytes(BlobPaths.watch("m-fatal"))).isNull();
    }

    @Test
    void aMatterStillBeingReadIsLeftAlone() {
        MatterScenario matter = new MatterScenario("m-busy").document("d-a", "a.pdf", 3);
        matter.writeBlobs(memory);
        MatterAssembler assembler = assembler(new DelegatingBlobStore(memory));
        // The seal and the split, but only two of the three pages.
        MatterScenario.handleAll(assembler, matter.documentMessages().subList(0, 3), 1);
        MatterScenario.handleAll(assembler, java.util.List.of(matter.sealed()), 1);

        assertThat(check(watchdog(assembler))).isZero();

        assertThat(progress("m-busy").status()).isEqualTo(MatterStatus.PROCESSING);
        assertThat(memory.bytes(BlobPaths.watch("m-busy"))).as("still watched").isNotNull();
    }
}
