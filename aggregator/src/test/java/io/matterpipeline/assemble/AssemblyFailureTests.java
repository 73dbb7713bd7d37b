package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.DelegatingBlobStore;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.bus.MessageHandler.DeliveryAttempt;
import io.matterpipeline.contract.MatterCompleted;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.error.FatalErrors;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.progress.MatterStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

/**
 * The last step, writing the Matter result, fails — by an exception, by an exception every time, by an exception and
 * then a JVM {@link Error} — and the Matter still ends in a final state: after a retry, as FAILED with the reason, or,
 * for the Error, by the process stopping (in this JVM with the halt recorded, and in a JVM of its own that really exits)
 * and another instance finishing it from its redelivered message.
 */
class AssemblyFailureTests {

    private static final Instant NOW = Instant.parse("2026-03-04T05:06:07Z");
    private static final int MAX_DELIVERIES = 4;

    private final MemoryBlobStore memory = new MemoryBlobStore();
    private final RecordingBus bus = new RecordingBus();

    private MatterAssembler assembler(DelegatingBlobStore store) {
        return new MatterAssembler(store, bus, Queues.MATTERS_COMPLETED, AggregatorProperties.defaults(),
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static MatterScenario scenario(String matterId) {
        return new MatterScenario(matterId).document("d-a", "a.pdf", 3).document("d-b", "b.pdf", 2);
    }

    /** Every fact but the seal, handled; the seal is what the tests deliver (again). */
    private MatterScenario settledMatter(String matterId) {
        return settledMatter(matterId, memory);
    }

    private MatterScenario settledMatter(String matterId, BlobStore store) {
        MatterScenario matter = scenario(matterId);
        matter.writeBlobs(store);
        MatterScenario.handleAll(assembler(new DelegatingBlobStore(store)), matter.documentMessages(), 4);
        return matter;
    }

    private MatterProgress progress(String matterId) {
        return progress(memory, matterId);
    }

    private static MatterProgress progress(BlobStore store, String matterId) {
        return MessageCodec.mapper().readValue(store.read(BlobPaths.matterProgress(matterId))
                .block(Duration.ofSeconds(10)).bytes(), MatterProgress.class);
    }

    @Test
    void aFailedWriteIsRetriedAndTheMatterCompletes() {
        MatterScenario matter = settledMatter("m-once");
        MatterAssembler assembler = assembler(new FailingMatterResults(memory, 1, () -> {
            throw new IllegalStateException("disk full");
        }));

        StepVerifier.create(assembler.handle(matter.sealed(), new DeliveryAttempt(0, MAX_DELIVERIES)))
                .expectErrorMatches(error -> error instanceof AssemblyFailedException)
                .verify(Duration.ofSeconds(30));
        assertThat(progress("m-once").status()).isEqualTo(MatterStatus.PROCESSING);
        assertThat(memory.bytes(BlobPaths.matterResult("m-once"))).as("no partial result").isNull();

        StepVerifier.create(assembler.handle(matter.sealed(), new DeliveryAttempt(1, MAX_DELIVERIES)))
                .expectComplete()
                .verify(Duration.ofSeconds(30));
        assertThat(progress("m-once").status()).isEqualTo(MatterStatus.COMPLETED);
        assertThat(MatterScenario.result(memory, "m-once").path("summary").path("pages").asInt()).isEqualTo(5);
    }

    @Test
    void aWriteThatFailsOnEveryDeliveryEndsTheMatterFailedWithTheReason() {
        MatterScenario matter = settledMatter("m-never");
        MatterAssembler assembler = assembler(new LostDocumentResults(memory));

        for (int delivery = 0; delivery < MAX_DELIVERIES - 1; delivery++) {
            StepVerifier.create(assembler.handle(matter.sealed(), new DeliveryAttempt(delivery, MAX_DELIVERIES)))
                    .expectError(AssemblyFailedException.class)
                    .verify(Duration.ofSeconds(30));
        }
        // The last delivery gives up: a visible FAILED Matter, settled, announced; never an endless PROCESSING.
        StepVerifier.create(assembler.handle(matter.sealed(),
                        new DeliveryAttempt(MAX_DELIVERIES - 1, MAX_DELIVERIES)))
                .expectComplete()
                .verify(Duration.ofSeconds(30));

        assertThat(progress("m-never").status()).isEqualTo(MatterStatus.FAILED);
        JsonNode result = MatterScenario.result(memory, "m-never");
        assertThat(result.path("status").asString()).isEqualTo("FAILED");
        JsonNode failure = result.path("failures").get(0);
        assertThat(failure.path("reason").asString()).isEqualTo(AssemblyFailedException.REASON);
        assertThat(failure.path("description").asString()).contains("m-never").contains("timed out");
        assertThat(result.path("documents")).hasSize(2);
        assertThat(result.path("documents").get(0).path("status").asString()).isEqualTo("COMPLETED");
        assertThat(bus.published()).extracting(published -> ((MatterCompleted) published.decoded()).status())
                .containsExactly("FAILED");
        assertThat(memory.bytes(BlobPaths.watch("m-never"))).as("off the watch list").isNull();
    }

    @Test
    void aThrownExceptionThenAJvmErrorThenAnotherInstanceFinishesTheMatter() throws Exception {
        MatterScenario matter = settledMatter("m-oom");
        MatterAssembler failing = assembler(new FailingMatterResults(memory, 1, () -> {
            throw new IllegalStateException("disk full");
        }));
        StepVerifier.create(failing.handle(matter.sealed(), new DeliveryAttempt(0, MAX_DELIVERIES)))
                .expectError(AssemblyFailedException.class)
                .verify(Duration.ofSeconds(30));

        // The redelivery runs the instance out of memory: the halt stops its process, its delivery unsettled.
        FailingMatterResults dyingStore = new FailingMatterResults(memory, 1, () -> {
            throw new OutOfMemoryError("Java heap space (injected)");
        });
        int halted = untilHalted(dyingStore,
                () -> assembler(dyingStore).handle(matter.sealed(), new DeliveryAttempt(1, MAX_DELIVERIES)));
        assertThat(halted).as("the process was told to stop").isEqualTo(FatalErrors.EXIT_STATUS);
        assertThat(memory.bytes(BlobPaths.matterResult("m-oom"))).as("no partial result").isNull();
        assertThat(progress("m-oom").status()).isEqualTo(MatterStatus.PROCESSING);

        // The broker redelivers the unsettled seal to another instance, which finishes the Matter.
        MatterAssembler survivor = assembler(new DelegatingBlobStore(memory));
        StepVerifier.create(survivor.handle(matter.sealed(), new DeliveryAttempt(2, MAX_DELIVERIES)))
                .expectComplete()
                .verify(Duration.ofSeconds(30));
        assertThat(progress("m-oom").status()).isEqualTo(MatterStatus.COMPLETED);
        assertThat(MatterScenario.result(memory, "m-oom").path("summary").path("pages").asInt()).isEqualTo(5);
        assertThat(bus.published()).extracting(published -> ((MatterCompleted) published.decoded()).status())
                .containsExactly("COMPLETED");
    }

    /**
     * Runs {@code work} of an instance until a fatal error halts it, and returns the exit status it was halted with.
     * The halt is only recorded, then the instance's store {@linkplain FailingMatterResults#stop() stopped}, as its
     * process would be gone. The real halt is not put back: the dead instance's work, cancelled but perhaps still
     * unwinding on another thread, can meet a fatal error again (a real process would have ended at the first), and
     * the real halt would then stop this test JVM (it did once, in CI, with exit status 70).
     */
    static int untilHalted(FailingMatterResults instance, Supplier<Mono<?>> work)
            throws InterruptedException, ExecutionException, TimeoutException {
        FatalErrors.install(); // as every service does at startup, whichever test class ran first in this JVM
        CompletableFuture<Integer> halted = new CompletableFuture<>();
        FatalErrors.replaceHalt(status -> {
            instance.stop();
            halted.complete(status);
        });
        Disposable running = Mono.defer(work).subscribe(done -> { }, error -> { });
        try {
            return halted.get(30, TimeUnit.SECONDS);
        } finally {
            running.dispose();
        }
    }

    @Test
    void anInstanceThatRunsOutOfMemoryExitsAndAnotherFinishesTheMatter(@TempDir Path dir)
            throws IOException, InterruptedException {
        Path root = Files.createDirectories(dir.resolve("store"));
        try (FileSystemBlobStore store = FileSystemBlobStore.create(root)) {
            MatterScenario matter = settledMatter("m-exit", store);

            // Another JVM, with the fatal-error policy every service installs, handles the seal and runs out of memory.
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Path argFile = dir.resolve("classpath.args");
            Files.writeString(argFile, "-cp \"" + classpath.replace("\\", "\\\\") + "\"", StandardCharsets.UTF_8);
            Path output = dir.resolve("instance.out");
            Process instance = new ProcessBuilder(java, "@" + argFile, DyingInstance.class.getName(), root.toString(),
                    "m-exit").redirectErrorStream(true).redirectOutput(output.toFile()).start();
            boolean exited = instance.waitFor(90, TimeUnit.SECONDS);
            if (!exited) {
                instance.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String said = Files.readString(output);
            assertThat(exited).as("the instance stopped; output:%n%s", said).isTrue();
            assertThat(instance.exitValue()).as("exit status; output:%n%s", said).isEqualTo(FatalErrors.EXIT_STATUS);
            assertThat(said).contains("FATAL: java.lang.OutOfMemoryError");
            assertThat(store.stat(BlobPaths.matterResult("m-exit")).block(Duration.ofSeconds(10)))
                    .as("no partial result").isNull();
            assertThat(progress(store, "m-exit").status()).isEqualTo(MatterStatus.PROCESSING);

            // Its delivery was never settled: the broker gives the seal to this instance, which finishes the Matter.
            StepVerifier.create(assembler(new DelegatingBlobStore(store)).handle(matter.sealed(),
                            new DeliveryAttempt(1, MAX_DELIVERIES)))
                    .expectComplete()
                    .verify(Duration.ofSeconds(30));
            assertThat(progress(store, "m-exit").status()).isEqualTo(MatterStatus.COMPLETED);
            assertThat(MatterScenario.result(store, "m-exit").path("summary").path("pages").asInt()).isEqualTo(5);
        }
    }

    /** An aggregator instance in its own JVM: handles the seal of a settled Matter, and runs out of memory doing so. */
    static final class DyingInstance {

        public static void main(String[] args) {
            FatalErrors.install();
            FileSystemBlobStore store = FileSystemBlobStore.create(Path.of(args[0]));
            MatterAssembler assembler = new MatterAssembler(new FailingMatterResults(store, 1, () -> {
                throw new OutOfMemoryError("Java heap space (injected)");
            }), new RecordingBus(), Queues.MATTERS_COMPLETED, AggregatorProperties.defaults(), Clock.systemUTC());
            try {
                assembler.handle(scenario(args[1]).sealed(), new DeliveryAttempt(0, MAX_DELIVERIES))
                        .block(Duration.ofSeconds(60));
            } catch (RuntimeException failed) {
                failed.printStackTrace();
            }
            System.out.println("still alive after the Error");
            System.exit(0);
        }
    }

    @Test
    void poisonInTheLastStepEndsTheMatterFailedWithoutWaitingForTheLastDelivery() {
        MatterScenario matter = settledMatter("m-corrupt");
        memory.putBytes(BlobPaths.documentResult("m-corrupt", "d-b"), "{\"matterId\": oops".getBytes(),
                PutCondition.none()).block(Duration.ofSeconds(5));
        MatterAssembler assembler = assembler(new DelegatingBlobStore(memory));

        StepVerifier.create(assembler.handle(matter.sealed(), new DeliveryAttempt(0, MAX_DELIVERIES)))
                .expectComplete()
                .verify(Duration.ofSeconds(30));

        JsonNode result = MatterScenario.result(memory, "m-corrupt");
        assertThat(result.path("status").asString()).isEqualTo("FAILED");
        assertThat(result.path("failures").get(0).path("description").asString()).contains("corrupt-result",
                "d-b");
    }
}
