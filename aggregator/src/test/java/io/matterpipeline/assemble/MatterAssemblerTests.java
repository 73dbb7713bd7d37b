package io.matterpipeline.assemble;

import static io.matterpipeline.assemble.MatterScenario.FIRST;
import static io.matterpipeline.assemble.MatterScenario.handleAll;
import static io.matterpipeline.assemble.MatterScenario.result;
import static io.matterpipeline.assemble.MatterScenario.withoutTimestamp;
import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.DelegatingBlobStore;
import reactor.core.publisher.Mono;
import java.nio.ByteBuffer;
import io.matterpipeline.blob.BlobContent;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.contract.DocumentReceived;
import io.matterpipeline.contract.MatterCompleted;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.error.PoisonException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.progress.MatterStatus;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class MatterAssemblerTests {

    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    private final MemoryBlobStore store = new MemoryBlobStore();
    private final RecordingBus bus = new RecordingBus();

    private MatterAssembler assembler() {
        return new MatterAssembler(store, bus, Queues.MATTERS_COMPLETED, WRITE_AT_ONCE,
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    /**
     * The defaults, except that a fact is written as soon as no write of its document is in flight: these tests hand
     * messages over one or a few at a time, so waiting for more facts would only slow them down (the waiting is
     * {@link DocumentFactBatchesTests}' subject).
     */
    static final AggregatorProperties WRITE_AT_ONCE = withoutBatchWindow(AggregatorProperties.defaults());

    static AggregatorProperties withoutBatchWindow(AggregatorProperties properties) {
        AggregatorProperties.Progress progress = properties.progress();
        return new AggregatorProperties(properties.concurrency(), properties.consumer(),
                new AggregatorProperties.Progress(progress.casMaxAttempts(), progress.casFirstBackoff(),
                        progress.casMaxBackoff(), progress.casJitter(), Duration.ZERO, progress.batchMaxFacts()),
                properties.merge());
    }

    private List<MatterCompleted> completions() {
        return bus.published().stream()
                .peek(published -> assertThat(published.queue()).isEqualTo(Queues.MATTERS_COMPLETED))
                .peek(published -> assertThat(published.message().messageId()).startsWith("matter-completed:"))
                .map(published -> (MatterCompleted) published.decoded())
                .toList();
    }

    @Test
    void theMatterDurationIsTimedFromTheSealToTheFinalStatusByStatus() {
        MatterScenario matter = new MatterScenario("m-timed").document("d-one", "one.pdf", 2);
        matter.writeBlobs(store);
        AtomicReference<Instant> now = new AtomicReference<>(NOW);
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        MatterAssembler timed = new MatterAssembler(store, bus, Queues.MATTERS_COMPLETED,
                AggregatorProperties.defaults(), clock, meters);

        handleAll(timed, List.of(matter.sealed()), 1);
        now.set(NOW.plusSeconds(90));
        handleAll(timed, matter.documentMessages(), 1);
        // A redelivered seal after the end records nothing more.
        handleAll(timed, List.of(matter.sealed()), 1);

        Timer duration = meters.get("matterpipeline.matter.duration").tag("status", "COMPLETED").timer();
        assertThat(duration.count()).isEqualTo(1);
        assertThat(duration.totalTime(TimeUnit.SECONDS)).isEqualTo(90.0);
    }

    @Test
    void theMattersAssemblyAfterItsLastPageReadsEachDocumentResultTwiceAndNoPage() {
        MatterScenario matter = new MatterScenario("m-reads")
                .document("d-one", "one.pdf", 3)
                .document("d-two", "two.pdf", 4, 2);
        matter.writeBlobs(store);
        List<String> reads = Collections.synchronizedList(new ArrayList<>());
        BlobStore recording = new DelegatingBlobStore(store) {
            @Override
            public Flux<ByteBuffer> get(String path) {
                reads.add(path);
                return super.get(path);
            }

            @Override
            public Mono<BlobContent> read(String path) {
                reads.add(path);
                return super.read(path);
            }
        };
        MatterAssembler assembler = new MatterAssembler(recording, bus, Queues.MATTERS_COMPLETED, WRITE_AT_ONCE,
                Clock.fixed(NOW, ZoneOffset.UTC));

        // Each document's result is written when its last page settles, during the run.
        handleAll(assembler, matter.documentMessages(), 1);
        assertThat(store.bytes(BlobPaths.documentResult("m-reads", "d-one"))).isNotNull();
        assertThat(store.bytes(BlobPaths.documentResult("m-reads", "d-two"))).isNotNull();
        reads.clear();

        handleAll(assembler, List.of(matter.sealed()), 1);

        assertThat(completions()).extracting(MatterCompleted::status).containsExactly("PARTIAL");
        assertThat(reads).noneMatch(path -> path.contains("/pages/") || path.contains("/extractions/"));
        assertThat(reads.stream().filter(path -> path.endsWith("/result.json")).sorted().toList()).containsExactly(
                BlobPaths.documentResult("m-reads", "d-one"), BlobPaths.documentResult("m-reads", "d-one"),
                BlobPaths.documentResult("m-reads", "d-two"), BlobPaths.documentResult("m-reads", "d-two"));
        JsonNode result = result(store, "m-reads");
        assertThat(result.path("documents")).hasSize(2);
        assertThat(result.path("documents").get(1).path("pages")).hasSize(4);
        assertThat(result.path("documents").get(1).path("documentId").asString()).isEqualTo("d-two");
        assertThat(result.path("failures")).hasSize(1);
    }

    @Test
    void matterWithTwoDocumentsCompletesWithMergedResult() {
        MatterScenario matter = new MatterScenario("m-two")
                .document("d-complaint", "complaint.pdf", 3)
                .ocrDocument("d-scan", "scan.json", 2, 0.9);
        matter.writeBlobs(store);

        handleAll(assembler(), matter.messages(), 1);

        ObjectNode result = result(store, "m-two");
        assertThat(result).isNotNull();
        assertThat(result.path("matterId").asString()).isEqualTo("m-two");
        assertThat(result.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(result.path("model").asString()).isEqualTo("simulated");
        assertThat(result.path("completedAt").asString()).isEqualTo(NOW.toString());
        JsonNode summary = result.path("summary");
        assertThat(summary.path("documents").asInt()).isEqualTo(2);
        assertThat(summary.path("documentsFailed").asInt()).isZero();
        assertThat(summary.path("pages").asInt()).isEqualTo(5);
        assertThat(summary.path("pagesExtracted").asInt()).isEqualTo(5);
        assertThat(summary.path("pagesFailed").asInt()).isZero();
        assertThat(summary.path("promptTokens").asLong()).isEqualTo(500);
        assertThat(summary.path("outputTokens").asLong()).isEqualTo(100);
        assertThat(result.path("failures").size()).isZero();

        JsonNode documents = result.path("documents");
        assertThat(documents.size()).isEqualTo(2);
        JsonNode complaint = documents.get(0);
        assertThat(complaint.path("documentId").asString()).isEqualTo("d-complaint");
        assertThat(complaint.path("fileName").asString()).isEqualTo("complaint.pdf");
        assertThat(complaint.path("kind").asString()).isEqualTo("pdf");
        assertThat(complaint.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(complaint.path("pageCount").asInt()).isEqualTo(3);
        assertThat(complaint.path("averageWordConfidence").isNull()).isTrue();
        assertThat(complaint.path("failure").isNull()).isTrue();
        JsonNode pages = complaint.path("pages");
        assertThat(pages.size()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            JsonNode page = pages.get(i);
            assertThat(page.path("pageNumber").asInt()).isEqualTo(i + 1);
            assertThat(page.path("status").asString()).isEqualTo("EXTRACTED");
            assertThat(page.path("textLength").asInt())
                    .isEqualTo(MatterScenario.pageText("d-complaint", i + 1).length());
            assertThat(page.path("averageWordConfidence").isNull()).isTrue();
            assertThat(page.path("extraction").path("summary").asString()).isEqualTo("Summary of page " + (i + 1));
            assertThat(page.path("failure").isNull()).isTrue();
        }
        // Document-level merge: one party on pages 1-3 (spellings differ only in case and spacing), a date per page.
        JsonNode items = complaint.path("items");
        assertThat(items.path("parties").size()).isEqualTo(1);
        assertThat(items.path("parties").get(0).path("name").asString()).isEqualTo("Acme Corp");
        assertThat(pageNumbers(items.path("parties").get(0))).containsExactly(1, 2, 3);
        assertThat(items.path("parties").get(0).path("quotes").size()).isEqualTo(3);
        assertThat(items.path("dates").size()).isEqualTo(3);
        assertThat(items.path("amounts").size()).isEqualTo(1);
        assertThat(pageNumbers(items.path("amounts").get(0))).containsExactly(1, 3);
        assertThat(items.path("documentType").asString()).isEqualTo("court filing");
        assertThat(items.path("summary").asString()).isEqualTo("Summary of page 1");

        JsonNode scan = documents.get(1);
        assertThat(scan.path("fileName").asString()).isEqualTo("scan.json");
        assertThat(scan.path("averageWordConfidence").asDouble()).isEqualTo(0.9);
        assertThat(scan.path("pages").get(0).path("averageWordConfidence").asDouble()).isEqualTo(0.9);
        assertThat(scan.path("pages").get(0).path("lowConfidenceWordShare").asDouble()).isEqualTo(0.1);

        // Matter-level merge: the party of both documents once, with each document's pages.
        JsonNode party = result.path("items").path("parties").get(0);
        assertThat(result.path("items").path("parties").size()).isEqualTo(1);
        assertThat(party.path("documents").size()).isEqualTo(2);
        assertThat(party.path("documents").get(0).path("documentId").asString()).isEqualTo("d-complaint");
        assertThat(party.path("documents").get(0).path("fileName").asString()).isEqualTo("complaint.pdf");
        assertThat(pageNumbers(party.path("documents").get(0))).containsExactly(1, 2, 3);
        assertThat(pageNumbers(party.path("documents").get(1))).containsExactly(1, 2);
        assertThat(party.path("quotes").size()).isEqualTo(5);

        assertThat(completions()).containsExactly(new MatterCompleted("m-two", "COMPLETED",
                BlobPaths.matterResult("m-two")));
        MatterProgress progress = MessageCodec.mapper().readValue(store.bytes(BlobPaths.matterProgress("m-two")),
                MatterProgress.class);
        assertThat(progress.status()).isEqualTo(MatterStatus.COMPLETED);
        assertThat(progress.completedAt()).isEqualTo(NOW);
        assertThat(store.bytes(BlobPaths.documentResult("m-two", "d-scan"))).isNotNull();
    }

    @Test
    void failedPageMakesTheMatterPartialAndIsNamed() {
        MatterScenario matter = new MatterScenario("m-page")
                .document("d-a", "a.pdf", 3, 2)
                .document("d-b", "b.pdf", 1);
        matter.writeBlobs(store);

        handleAll(assembler(), matter.messages(), 4);

        ObjectNode result = result(store, "m-page");
        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(result.path("summary").path("pagesFailed").asInt()).isEqualTo(1);
        assertThat(result.path("failures").size()).isEqualTo(1);
        JsonNode failure = result.path("failures").get(0);
        assertThat(failure.path("documentId").asString()).isEqualTo("d-a");
        assertThat(failure.path("fileName").asString()).isEqualTo("a.pdf");
        assertThat(failure.path("pageNumber").asInt()).isEqualTo(2);
        assertThat(failure.path("reason").asString()).isEqualTo("model-unavailable");
        JsonNode document = result.path("documents").get(0);
        assertThat(document.path("status").asString()).isEqualTo("PARTIAL");
        JsonNode page = document.path("pages").get(1);
        assertThat(page.path("status").asString()).isEqualTo("FAILED");
        assertThat(page.path("extraction").isNull()).isTrue();
        assertThat(page.path("failure").path("reason").asString()).isEqualTo("model-unavailable");
        assertThat(page.path("textLength").asInt()).isEqualTo(MatterScenario.pageText("d-a", 2).length());
        assertThat(result.path("documents").get(1).path("status").asString()).isEqualTo("COMPLETED");
        assertThat(completions()).extracting(MatterCompleted::status).containsOnly("PARTIAL");
    }

    @Test
    void failedDocumentMakesTheMatterPartial() {
        MatterScenario matter = new MatterScenario("m-doc")
                .document("d-good", "good.pdf", 2)
                .brokenDocument("d-bad", "secret.pdf", "encrypted-pdf");
        matter.writeBlobs(store);

        handleAll(assembler(), matter.messages(), 4);

        ObjectNode result = result(store, "m-doc");
        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(result.path("summary").path("documentsFailed").asInt()).isEqualTo(1);
        JsonNode failure = result.path("failures").get(0);
        assertThat(failure.path("documentId").asString()).isEqualTo("d-bad");
        assertThat(failure.path("pageNumber").isNull()).isTrue();
        assertThat(failure.path("reason").asString()).isEqualTo("encrypted-pdf");
        JsonNode bad = result.path("documents").get(1);
        assertThat(bad.path("status").asString()).isEqualTo("FAILED");
        assertThat(bad.path("failure").path("reason").asString()).isEqualTo("encrypted-pdf");
        assertThat(bad.path("pages").size()).isZero();
    }

    @Test
    void aloneFailedDocumentFailsTheMatter() {
        MatterScenario matter = new MatterScenario("m-alone").brokenDocument("d-bad", "empty.txt", "empty-document");

        handleAll(assembler(), matter.messages(), 1);

        assertThat(result(store, "m-alone").path("status").asString()).isEqualTo("FAILED");
        assertThat(completions()).extracting(MatterCompleted::status).containsExactly("FAILED");
    }

    @Test
    void matterWithoutDocumentsFails() {
        handleAll(assembler(), new MatterScenario("m-empty").messages(), 1);

        ObjectNode result = result(store, "m-empty");
        assertThat(result.path("status").asString()).isEqualTo("FAILED");
        assertThat(result.path("documents").size()).isZero();
        assertThat(result.path("model").isNull()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"before", "between", "after"})
    void sealMayArriveBeforeBetweenOrAfterThePageResults(String when) {
        MatterScenario matter = new MatterScenario("m-seal-" + when)
                .document("d-a", "a.pdf", 3)
                .document("d-b", "b.pdf", 2);
        matter.writeBlobs(store);
        List<PipelineMessage> documentMessages = matter.documentMessages();
        List<PipelineMessage> ordered = new ArrayList<>(documentMessages);
        int position = switch (when) {
            case "before" -> 0;
            case "between" -> documentMessages.size() / 2;
            default -> documentMessages.size();
        };
        ordered.add(position, matter.sealed());
        MatterAssembler assembler = assembler();

        for (int i = 0; i < ordered.size(); i++) {
            assertThat(result(store, matter.matterId)).as("no result before the last message").isNull();
            handleAll(assembler, List.of(ordered.get(i)), 1);
        }

        assertThat(result(store, matter.matterId).path("status").asString()).isEqualTo("COMPLETED");
        assertThat(completions()).hasSize(1);
    }

    @Test
    void duplicatedAndShuffledDeliveriesGiveTheSameResult() {
        MatterScenario matter = new MatterScenario("m-dup")
                .document("d-a", "a.pdf", 6, 4)
                .ocrDocument("d-b", "b.json", 5, 0.8)
                .brokenDocument("d-c", "c.pdf", "corrupt-pdf");
        matter.writeBlobs(store);
        handleAll(assembler(), matter.messages(), 1);
        JsonNode clean = withoutTimestamp(result(store, "m-dup"));

        for (long seed = 1; seed <= 5; seed++) {
            MemoryBlobStore otherStore = new MemoryBlobStore();
            RecordingBus otherBus = new RecordingBus();
            matter.writeBlobs(otherStore);
            List<PipelineMessage> deliveries = new ArrayList<>(matter.messages());
            deliveries.addAll(matter.messages());
            Collections.shuffle(deliveries, new Random(seed));

            handleAll(new MatterAssembler(otherStore, otherBus, Queues.MATTERS_COMPLETED,
                    WRITE_AT_ONCE, Clock.systemUTC()), deliveries, 8);

            assertThat(withoutTimestamp(result(otherStore, "m-dup"))).as("seed %d", seed).isEqualTo(clean);
            assertThat(otherBus.published()).as("seed %d", seed).isNotEmpty()
                    .allSatisfy(published -> assertThat(published.message().messageId())
                            .isEqualTo("matter-completed:m-dup"));
        }
    }

    @Test
    void concurrentPageResultsOfOneDocumentAreAllRecorded() {
        MatterScenario matter = new MatterScenario("m-many").document("d-big", "big.pdf", 200, 17, 101);
        matter.writeBlobs(store);
        List<PipelineMessage> messages = new ArrayList<>(matter.messages());
        Collections.shuffle(messages, new Random(7));
        // One instance folds a document's facts into one write at a time: two instances race on its progress.
        MatterAssembler first = assembler();
        MatterAssembler second = assembler();
        java.util.concurrent.atomic.AtomicInteger turn = new java.util.concurrent.atomic.AtomicInteger();

        Flux.fromIterable(messages)
                .flatMap(message -> (turn.getAndIncrement() % 2 == 0 ? first : second)
                        .handle(message, FIRST), 16)
                .then()
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(60));

        DocumentProgress progress = MessageCodec.mapper().readValue(
                store.bytes(BlobPaths.documentProgress("m-many", "d-big")), DocumentProgress.class);
        assertThat(progress.extractedPages()).hasSize(198);
        assertThat(progress.failedPages()).containsOnlyKeys(17, 101);
        ObjectNode result = result(store, "m-many");
        assertThat(result.path("summary").path("pagesExtracted").asInt()).isEqualTo(198);
        assertThat(result.path("documents").get(0).path("pages").size()).isEqualTo(200);
        assertThat(completions()).extracting(MatterCompleted::status).containsOnly("PARTIAL");
        assertThat(store.conflicts()).as("the test must really race").isPositive();
    }

    @Test
    void newInstanceOnTheSameStoreFinishesWhatAnotherStarted() {
        MatterScenario matter = new MatterScenario("m-restart")
                .document("d-a", "a.pdf", 4)
                .document("d-b", "b.pdf", 3);
        matter.writeBlobs(store);
        List<PipelineMessage> messages = matter.messages();
        handleAll(assembler(), messages.subList(0, 5), 4);
        assertThat(result(store, "m-restart")).isNull();

        MatterAssembler restarted = assembler();
        handleAll(restarted, messages.subList(5, messages.size()), 4);

        assertThat(result(store, "m-restart").path("summary").path("pagesExtracted").asInt()).isEqualTo(7);
        assertThat(completions()).isNotEmpty().containsOnly(new MatterCompleted("m-restart", "COMPLETED",
                BlobPaths.matterResult("m-restart")));
    }

    @Test
    void redeliveryAfterACrashBetweenResultAndProgressFinishesTheMatter() {
        MatterScenario matter = new MatterScenario("m-crash").document("d-a", "a.pdf", 2);
        matter.writeBlobs(store);
        List<PipelineMessage> messages = matter.messages();
        MatterAssembler assembler = assembler();
        handleAll(assembler, messages.subList(0, messages.size() - 1), 1);
        PipelineMessage last = messages.get(messages.size() - 1);
        // The Matter result is written, then the process "dies" before the progress says final.
        store.failNextPut(path -> path.equals(BlobPaths.matterProgress("m-crash"))
                && store.bytes(BlobPaths.matterResult("m-crash")) != null);

        StepVerifier.create(assembler.handle(last, FIRST))
                .expectError(TransientException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(completions()).as("not announced before the progress is final").isEmpty();

        StepVerifier.create(assembler().handle(last, new io.matterpipeline.bus.MessageHandler.DeliveryAttempt(1, 10)))
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        assertThat(completions()).extracting(MatterCompleted::status).containsExactly("COMPLETED");
    }

    @Test
    void redeliveryAfterACrashBeforeTheDocumentWasRecordedFinishesTheMatter() {
        MatterScenario matter = new MatterScenario("m-crash2").document("d-a", "a.pdf", 2);
        matter.writeBlobs(store);
        List<PipelineMessage> messages = matter.messages();
        MatterAssembler assembler = assembler();
        handleAll(assembler, List.of(matter.sealed(), messages.get(0), messages.get(1)), 1);
        store.failNextPut(path -> path.equals(BlobPaths.documentResult("m-crash2", "d-a")));

        StepVerifier.create(assembler.handle(messages.get(2), FIRST))
                .expectError(TransientException.class)
                .verify(Duration.ofSeconds(10));
        assertThat(result(store, "m-crash2")).isNull();

        handleAll(assembler, List.of(messages.get(2)), 1);
        assertThat(result(store, "m-crash2").path("status").asString()).isEqualTo("COMPLETED");
    }

    @Test
    void lateDuplicateAfterCompletionReannouncesWithTheSameIdAndLeavesTheResult() {
        MatterScenario matter = new MatterScenario("m-late").document("d-a", "a.pdf", 2);
        matter.writeBlobs(store);
        handleAll(assembler(), matter.messages(), 1);
        byte[] before = store.bytes(BlobPaths.matterResult("m-late"));

        handleAll(assembler(), List.of(matter.messages().get(1)), 1);

        assertThat(store.bytes(BlobPaths.matterResult("m-late"))).isEqualTo(before);
        assertThat(bus.published()).hasSize(2)
                .allSatisfy(p -> assertThat(p.message().messageId()).isEqualTo("matter-completed:m-late"));
    }

    @Test
    void aCancelWinningTheRaceWithTheFinisherKeepsItsResultAndIsNotAnnouncedHere() {
        MatterScenario matter = new MatterScenario("m-cancel-race").document("d-a", "a.pdf", 2);
        matter.writeBlobs(store);
        List<PipelineMessage> messages = matter.messages();
        handleAll(assembler(), messages.subList(0, messages.size() - 1), 1);
        byte[] cancelledResult = "{\"status\":\"CANCELLED\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String resultPath = BlobPaths.matterResult("m-cancel-race");
        String progressPath = BlobPaths.matterProgress("m-cancel-race");
        java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        // Just before the finisher writes the Matter result, the ingest service cancels: its marker first, then it
        // creates its CANCELLED result. Then the finisher's own write goes on.
        DelegatingBlobStore racing = new DelegatingBlobStore(store) {
            @Override
            public reactor.core.publisher.Mono<io.matterpipeline.blob.BlobInfo> put(String path,
                    reactor.core.publisher.Flux<java.nio.ByteBuffer> content,
                    io.matterpipeline.blob.PutCondition condition, java.util.Map<String, String> metadata) {
                if (!path.equals(resultPath) || !cancelled.compareAndSet(false, true)) {
                    return super.put(path, content, condition, metadata);
                }
                return store.putBytes(BlobPaths.matterCancellation("m-cancel-race"), "{}".getBytes(
                                java.nio.charset.StandardCharsets.UTF_8), io.matterpipeline.blob.PutCondition.ifAbsent())
                        .then(store.put(resultPath, Flux.just(java.nio.ByteBuffer.wrap(cancelledResult)),
                                io.matterpipeline.blob.PutCondition.ifAbsent(),
                                java.util.Map.of(BlobPaths.RESULT_STATUS, MatterStatus.CANCELLED.name())))
                        .then(super.put(path, content, condition, metadata));
            }
        };
        MatterAssembler finisher = new MatterAssembler(racing, bus, Queues.MATTERS_COMPLETED,
                WRITE_AT_ONCE, Clock.fixed(NOW, ZoneOffset.UTC));

        handleAll(finisher, List.of(messages.get(messages.size() - 1)), 1);

        assertThat(cancelled).isTrue();
        assertThat(store.bytes(resultPath)).isEqualTo(cancelledResult);
        MatterProgress progress = MessageCodec.mapper().readValue(store.bytes(progressPath), MatterProgress.class);
        assertThat(progress.status()).isEqualTo(MatterStatus.CANCELLED);
        assertThat(completions()).as("a cancellation is announced by whoever cancelled").isEmpty();

        // Late facts of a cancelled Matter change nothing.
        handleAll(assembler(), messages, 1);
        assertThat(store.bytes(resultPath)).isEqualTo(cancelledResult);
        assertThat(completions()).isEmpty();
    }

    @Test
    void pageReportedReadWithoutExtractionBlobEndsFailedInsteadOfBlocking() {
        MatterScenario matter = new MatterScenario("m-lost").document("d-a", "a.pdf", 2);
        matter.writeBlobs(store);
        store.deleteAll(List.of(BlobPaths.extraction("m-lost", "d-a", 2))).block(Duration.ofSeconds(5));

        handleAll(assembler(), matter.messages(), 1);

        ObjectNode result = result(store, "m-lost");
        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(result.path("failures").get(0).path("reason").asString()).isEqualTo("extraction-missing");
    }

    @Test
    void otherMessageTypesArePoison() {
        DocumentReceived received = new DocumentReceived("m-x", "d-x", "a.pdf", "matters/m-x/documents/d-x/source",
                10, "application/pdf");

        StepVerifier.create(assembler().handle(received, FIRST))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(PoisonException.class)
                        .extracting(e -> ((PoisonException) e).reason()).isEqualTo("unexpected-message-type"))
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void pageOutsideTheDocumentIsPoison() {
        MatterScenario matter = new MatterScenario("m-range").document("d-a", "a.pdf", 2);
        handleAll(assembler(), matter.documentMessages().subList(0, 1), 1);

        StepVerifier.create(assembler().handle(new PageExtracted("m-range", "d-a", 3, "x"), FIRST))
                .expectErrorSatisfies(error -> assertThat(((PoisonException) error).reason())
                        .isEqualTo("page-out-of-range"))
                .verify(Duration.ofSeconds(5));
    }

    private static List<Integer> pageNumbers(JsonNode item) {
        List<Integer> pages = new ArrayList<>();
        item.path("pages").values().forEach(page -> pages.add(page.intValue()));
        return pages;
    }
}
