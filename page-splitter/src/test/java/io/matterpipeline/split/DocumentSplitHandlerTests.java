package io.matterpipeline.split;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.bus.ConsumerSettings;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.MessageHandler.DeliveryAttempt;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.memory.DeadLetteredMessage;
import io.matterpipeline.bus.memory.InMemoryBusOptions;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.contract.DocumentFailed;
import io.matterpipeline.contract.DocumentReceived;
import io.matterpipeline.contract.DocumentSplit;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageFailed;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.ocr.OcrRefusedException;
import io.matterpipeline.ocr.OcrService;
import io.matterpipeline.split.pdf.PdfFixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.util.unit.DataSize;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class DocumentSplitHandlerTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final DeliveryAttempt FIRST = new DeliveryAttempt(0, 10);
    private static final String MATTER = "m-test";

    @TempDir
    Path dir;

    private InMemoryMessageBus bus;
    private RecordingBus recording;
    private FileSystemBlobStore blobs;
    private SplitterProperties properties;
    private DocumentSplitHandler handler;

    @BeforeEach
    void setUp() {
        bus = InMemoryMessageBus.create(InMemoryBusOptions.defaults());
        recording = new RecordingBus(bus);
        blobs = FileSystemBlobStore.create(dir.resolve("blobs"));
        properties = new SplitterProperties(2, 4, 200, 40, 0.8, DataSize.ofMegabytes(8), 10_000, 1_000_000, 64, 2,
                dir.resolve("tmp"), null);
        handler = new DocumentSplitHandler(blobs, recording, DocumentSplitter.of(properties), properties,
                SplitterQueues.defaults());
    }

    @AfterEach
    void tearDown() {
        bus.close();
        blobs.close();
    }

    @Test
    void aPdfBecomesPageBlobsThenPageTasksInBatchesThenOneDocumentSplit() throws IOException {
        DocumentReceived received = upload("d-pdf", Files.readAllBytes(PdfFixtures.write(dir.resolve("five.pdf"), 5)));

        StepVerifier.create(handler.handle(received, FIRST)).expectComplete().verify(TIMEOUT);

        List<PageContent> pages = pageBlobs("d-pdf");
        assertThat(pages).hasSize(5);
        for (PageContent page : pages) {
            assertThat(page.kind()).isEqualTo("pdf");
            assertThat(page.pageCount()).isEqualTo(5);
            assertThat(page.text()).contains(PdfFixtures.marker(page.pageNumber()));
            assertThat(page.averageWordConfidence()).isNull();
        }
        assertThat(pages.get(0).precedingText()).isEmpty();
        assertThat(pages.get(1).precedingText()).isNotEmpty().isSubstringOf(pages.get(0).text());
        assertThat(pages.get(0).followingText()).isNotEmpty().isSubstringOf(pages.get(1).text());
        assertThat(pages.get(4).followingText()).isEmpty();

        List<PipelineMessage> tasks = drain(Queues.PAGES);
        assertThat(tasks).hasSize(5).allSatisfy(task -> assertThat(task).isInstanceOf(PageTask.class));
        assertThat(tasks).extracting(task -> ((PageTask) task).pageBlob())
                .containsExactlyInAnyOrder(BlobPaths.page(MATTER, "d-pdf", 1), BlobPaths.page(MATTER, "d-pdf", 2),
                        BlobPaths.page(MATTER, "d-pdf", 3), BlobPaths.page(MATTER, "d-pdf", 4),
                        BlobPaths.page(MATTER, "d-pdf", 5));
        assertThat(tasks).extracting(task -> ((PageTask) task).pageCount()).containsOnly(5);
        assertThat(drain(Queues.RESULTS)).containsExactly(new DocumentSplit(MATTER, "d-pdf", "pdf", 5, null));
        // Batches of the configured size, and the page count only after every task.
        assertThat(recording.calls).containsExactly("pages:2", "pages:2", "pages:1", "results:document-split");
        assertThat(tempFiles()).isEmpty();
    }

    @Test
    void scannedPagesWithoutOcrAreReportedNeedsOcrAndNeverBecomeTasks() throws IOException {
        // A scan of two pages, and a mixed PDF whose second page is a scan; a blank page stays an (empty) page.
        DocumentReceived scanned = upload("d-scan", Files.readAllBytes(PdfFixtures.writeScanned(
                dir.resolve("scan.pdf"), false, false)));
        DocumentReceived mixed = upload("d-mixed", Files.readAllBytes(PdfFixtures.writeScanned(
                dir.resolve("mixed.pdf"), true, false, true)));

        StepVerifier.create(handler.handle(scanned, FIRST)).expectComplete().verify(TIMEOUT);
        StepVerifier.create(handler.handle(mixed, FIRST)).expectComplete().verify(TIMEOUT);

        assertThat(drain(Queues.PAGES)).extracting(task -> ((PageTask) task).documentId() + ":"
                + ((PageTask) task).pageNumber()).containsExactlyInAnyOrder("d-mixed:1", "d-mixed:3");
        List<PipelineMessage> results = drain(Queues.RESULTS);
        assertThat(results).filteredOn(PageFailed.class::isInstance)
                .extracting(failed -> ((PageFailed) failed).documentId() + ":" + ((PageFailed) failed).pageNumber()
                        + ":" + ((PageFailed) failed).reason())
                .containsExactlyInAnyOrder("d-scan:1:needs-ocr", "d-scan:2:needs-ocr", "d-mixed:2:needs-ocr");
        assertThat(results).filteredOn(DocumentSplit.class::isInstance).containsExactlyInAnyOrder(
                new DocumentSplit(MATTER, "d-scan", "pdf", 2, null), new DocumentSplit(MATTER, "d-mixed", "pdf", 3,
                        null));
        // The page failures come before the page count, like the tasks.
        assertThat(recording.calls.get(recording.calls.size() - 1)).isEqualTo("results:document-split");
        // Every page still has its blob, the scanned ones without text.
        assertThat(pageBlobs("d-scan")).extracting(PageContent::text).containsExactly("", "");
        assertThat(pageBlobs("d-mixed").get(0).text()).contains(PdfFixtures.marker(1));
        assertThat(pageBlobs("d-mixed").get(1).text()).isEmpty();
    }

    @Test
    void withOcrScannedPagesAreReadAndBecomeTasksWithWordConfidences() throws IOException {
        List<SortedSet<Integer>> asked = new CopyOnWriteArrayList<>();
        byte[] fixture = fixture();
        ocr((pdf, pages) -> {
            asked.add(pages);
            return Mono.just(fixture);
        });
        DocumentReceived scanned = upload("d-scan", Files.readAllBytes(PdfFixtures.writeScanned(
                dir.resolve("scan.pdf"), false, false)));
        DocumentReceived mixed = upload("d-mixed", Files.readAllBytes(PdfFixtures.writeScanned(
                dir.resolve("mixed.pdf"), true, false, true)));

        StepVerifier.create(handler.handle(scanned, FIRST)).expectComplete().verify(TIMEOUT);
        StepVerifier.create(handler.handle(mixed, FIRST)).expectComplete().verify(TIMEOUT);

        // Only the pages without a text layer go to OCR; every page becomes a task, none fails.
        assertThat(asked).containsExactly(new TreeSet<>(List.of(1, 2)), new TreeSet<>(List.of(2)));
        assertThat(drain(Queues.PAGES)).extracting(task -> ((PageTask) task).documentId() + ":"
                + ((PageTask) task).pageNumber()).containsExactlyInAnyOrder("d-scan:1", "d-scan:2", "d-mixed:1",
                        "d-mixed:2", "d-mixed:3");
        List<PipelineMessage> results = drain(Queues.RESULTS);
        assertThat(results).noneMatch(PageFailed.class::isInstance);

        List<PageContent> scan = pageBlobs("d-scan");
        assertThat(scan.get(0).text()).startsWith("IN THE SUPERIOR COURT OF EXAMPLE COUNTY");
        assertThat(scan.get(0).words()).hasSize(19);
        assertThat(scan.get(0).averageWordConfidence()).isCloseTo(0.9786, within(0.0001));
        assertThat(scan.get(1).averageWordConfidence()).isCloseTo(0.8911, within(0.0001));
        assertThat(scan.get(1).minWordConfidence()).isCloseTo(0.57, within(0.0001));
        assertThat(scan.get(1).precedingText()).isNotEmpty().isSubstringOf(scan.get(0).text());
        DocumentSplit scanSplit = results.stream().filter(DocumentSplit.class::isInstance)
                .map(DocumentSplit.class::cast)
                .filter(split -> split.documentId().equals("d-scan")).findFirst().orElseThrow();
        assertThat(scanSplit.averageWordConfidence()).isCloseTo((0.9786 * 19 + 0.8911 * 11) / 30, within(0.0001));

        List<PageContent> mixedPages = pageBlobs("d-mixed");
        assertThat(mixedPages.get(0).text()).contains(PdfFixtures.marker(1));
        assertThat(mixedPages.get(0).words()).isEmpty();
        assertThat(mixedPages.get(1).text()).startsWith("SCHEDULE A - DEADLINES");
        assertThat(mixedPages.get(1).words()).hasSize(11);
        assertThat(mixedPages.get(2).text()).contains(PdfFixtures.marker(3));
    }

    @Test
    void ocrRefusingTheDocumentFailsOnlyItsScannedPagesWithTheReason() throws IOException {
        ocr((pdf, pages) -> Mono.error(new OcrRefusedException(OcrRefusedException.UNAUTHORIZED,
                "Document Intelligence refused the credentials (HTTP 401)", null)));
        DocumentReceived mixed = upload("d-mixed", Files.readAllBytes(PdfFixtures.writeScanned(
                dir.resolve("mixed.pdf"), true, false)));

        StepVerifier.create(handler.handle(mixed, FIRST)).expectComplete().verify(TIMEOUT);

        assertThat(drain(Queues.PAGES)).extracting(task -> ((PageTask) task).pageNumber()).containsExactly(1);
        assertThat(drain(Queues.RESULTS)).filteredOn(PageFailed.class::isInstance).singleElement()
                .satisfies(failed -> {
                    assertThat(((PageFailed) failed).pageNumber()).isEqualTo(2);
                    assertThat(((PageFailed) failed).reason()).isEqualTo("ocr-unauthorized");
                    assertThat(((PageFailed) failed).description()).contains("HTTP 401");
                });
    }

    @Test
    void aTransientOcrFailureRetriesTheDocumentBeforeAnythingIsPublished() throws IOException {
        ocr((pdf, pages) -> Mono.error(new TransientException("ocr-unavailable", "HTTP 503")));
        DocumentReceived scanned = upload("d-scan", Files.readAllBytes(PdfFixtures.writeScanned(
                dir.resolve("scan.pdf"), true, false)));

        StepVerifier.create(handler.handle(scanned, FIRST)).expectError(TransientException.class).verify(TIMEOUT);

        assertThat(recording.calls).isEmpty();
        assertThat(tempFiles()).isEmpty();
    }

    private void ocr(OcrService ocr) {
        handler = new DocumentSplitHandler(blobs, recording, DocumentSplitter.of(properties, ocr), properties,
                SplitterQueues.defaults());
    }

    private static byte[] fixture() throws IOException {
        try (InputStream in = DocumentSplitHandlerTests.class.getResourceAsStream(
                "/fixtures/analyze-result-2page.json")) {
            return in.readAllBytes();
        }
    }

    @Test
    void processingTheSameMessageTwiceGivesTheSameBlobsAndIds() throws IOException {
        DocumentReceived received = upload("d-twice", Files.readAllBytes(PdfFixtures.write(dir.resolve("3.pdf"), 3)));

        StepVerifier.create(handler.handle(received, FIRST)).expectComplete().verify(TIMEOUT);
        Map<String, byte[]> firstBlobs = pageBlobBytes("d-twice");
        List<String> firstIds = messageIds(drain(Queues.PAGES), drain(Queues.RESULTS));

        StepVerifier.create(handler.handle(received, new DeliveryAttempt(1, 10))).expectComplete().verify(TIMEOUT);
        Map<String, byte[]> secondBlobs = pageBlobBytes("d-twice");
        List<String> secondIds = messageIds(drain(Queues.PAGES), drain(Queues.RESULTS));

        assertThat(firstBlobs).hasSize(3);
        assertThat(secondBlobs.keySet()).isEqualTo(firstBlobs.keySet());
        firstBlobs.forEach((path, bytes) -> assertThat(secondBlobs.get(path)).as(path).isEqualTo(bytes));
        assertThat(firstIds).hasSize(4).containsExactlyInAnyOrderElementsOf(secondIds);
    }

    @Test
    void theAnalyzeResultFixtureCarriesItsWordsAndConfidence() throws IOException {
        byte[] fixture;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/analyze-result-2page.json")) {
            fixture = in.readAllBytes();
        }
        DocumentReceived received = upload("d-ocr", fixture);

        StepVerifier.create(handler.handle(received, FIRST)).expectComplete().verify(TIMEOUT);

        List<PageContent> pages = pageBlobs("d-ocr");
        assertThat(pages).hasSize(2);
        assertThat(pages.get(0).averageWordConfidence()).isCloseTo(0.9786, within(0.00005));
        assertThat(pages.get(0).minWordConfidence()).isCloseTo(0.93, within(0.00005));
        assertThat(pages.get(0).words()).hasSize(19);
        assertThat(pages.get(1).averageWordConfidence()).isCloseTo(0.8911, within(0.00005));
        assertThat(pages.get(1).minWordConfidence()).isCloseTo(0.57, within(0.00005));
        assertThat(pages.get(1).lowConfidenceWordShare()).isCloseTo(2.0 / 11, within(0.00005));
        assertThat(pages.get(1).words()).hasSize(11);
        assertThat(drain(Queues.PAGES)).hasSize(2);
        List<PipelineMessage> results = drain(Queues.RESULTS);
        assertThat(results).singleElement().isInstanceOfSatisfying(DocumentSplit.class, split -> {
            assertThat(split.kind()).isEqualTo("analyze-result");
            assertThat(split.pageCount()).isEqualTo(2);
            assertThat(split.averageWordConfidence()).isCloseTo(0.9465, within(0.00005));
        });
    }

    @Test
    void plainTextIsSplitAtFormFeedsWhateverTheFileIsCalled() throws IOException {
        DocumentReceived received = upload("d-text", "Page one.\fPage two.\fPage three.".getBytes(StandardCharsets.UTF_8));

        StepVerifier.create(handler.handle(received, FIRST)).expectComplete().verify(TIMEOUT);

        assertThat(pageBlobs("d-text")).extracting(PageContent::text)
                .containsExactly("Page one.", "Page two.", "Page three.");
        assertThat(pageBlobs("d-text").get(1).precedingText()).isEqualTo("Page one.");
        assertThat(drain(Queues.PAGES)).hasSize(3);
        assertThat(drain(Queues.RESULTS)).containsExactly(new DocumentSplit(MATTER, "d-text", "text", 3, null));
    }

    @Test
    void theFirstPageTasksArePublishedWhileTheRestOfTheDocumentIsStillBeingWritten() throws IOException {
        handler = handlerWithBatchesOf(100); // pages written 4 at a time
        List<Integer> pagesWrittenAtEachBatch = Collections.synchronizedList(new ArrayList<>());
        recording.onPublishAll = () -> pagesWrittenAtEachBatch.add(pageBlobBytes("d-long").size());
        String text = IntStream.rangeClosed(1, 40).mapToObj(page -> "Page " + page + ".")
                .collect(Collectors.joining("\f"));
        DocumentReceived received = upload("d-long", text.getBytes(StandardCharsets.UTF_8));

        StepVerifier.create(handler.handle(received, FIRST)).expectComplete().verify(TIMEOUT);

        // 16 tasks first, then twice as many (here the 24 left), then the page count.
        assertThat(recording.calls).containsExactly("pages:16", "pages:24", "results:document-split");
        // The first batch went out with its 16 pages written and, beside them, only the few being written then.
        assertThat(pagesWrittenAtEachBatch.get(0)).isGreaterThanOrEqualTo(16).isLessThan(40);
        assertThat(drain(Queues.PAGES)).hasSize(40);
        assertThat(DocumentSplitHandler.batches(Flux.range(1, 200), 50).map(List::size).collectList().block(TIMEOUT))
                .containsExactly(16, 32, 50, 50, 50, 2);
    }

    static Stream<Arguments> badDocuments() throws IOException {
        byte[] garbage = new byte[2048];
        new Random(7).nextBytes(garbage);
        garbage[0] = 0x01;
        return Stream.of(
                Arguments.of("0-byte", new byte[0], "empty-document"),
                Arguments.of("empty file", "  \n\n  ".getBytes(StandardCharsets.UTF_8), "empty-document"),
                Arguments.of("corrupt PDF", "%PDF-1.7\nnot really a PDF\n%%EOF".getBytes(StandardCharsets.US_ASCII),
                        "corrupt-pdf"),
                Arguments.of("encrypted PDF", null, "encrypted-pdf"),
                Arguments.of("JSON that is not analyzeResult", "{\"invoice\":{\"total\":1}}".getBytes(StandardCharsets.UTF_8),
                        "unsupported-document"),
                Arguments.of("v2.1 analyzeResult", ("{\"status\":\"succeeded\",\"analyzeResult\":{\"version\":\"2.1.0\","
                        + "\"readResults\":[]}}").getBytes(StandardCharsets.UTF_8), "unsupported-analyze-result"),
                Arguments.of("binary garbage", garbage, "unsupported-document"),
                Arguments.of("deep nesting", ("{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000))
                        .getBytes(StandardCharsets.UTF_8), "json-limits-exceeded"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badDocuments")
    void aDocumentThatCannotBeSplitEndsFailedWithItsReasonAndNothingElse(String name, byte[] content, String reason)
            throws IOException {
        byte[] bytes = content != null ? content
                : Files.readAllBytes(PdfFixtures.writeWithUserPassword(dir.resolve("locked.pdf"), 2));
        DocumentReceived received = upload("d-bad", bytes);

        // The handler completes: a bad document is an outcome, the message is done.
        StepVerifier.create(handler.handle(received, FIRST)).expectComplete().verify(TIMEOUT);

        List<PipelineMessage> results = drain(Queues.RESULTS);
        assertThat(results).singleElement().isInstanceOfSatisfying(DocumentFailed.class, failed -> {
            assertThat(failed.documentId()).isEqualTo("d-bad");
            assertThat(failed.reason()).isEqualTo(reason);
            assertThat(failed.description()).isNotBlank();
        });
        assertThat(bus.activeCount(Queues.PAGES)).isZero();
        assertThat(pageBlobs("d-bad")).isEmpty();
        assertThat(tempFiles()).isEmpty();
    }

    @Test
    void aDocumentLargerThanTheLimitFailsWhileStreaming() throws IOException {
        SplitterProperties small = new SplitterProperties(2, 4, 200, 40, 0.8, DataSize.ofKilobytes(64), 10_000,
                1_000_000, 64, 2, dir.resolve("tmp"), null);
        handler = new DocumentSplitHandler(blobs, recording, DocumentSplitter.of(small), small,
                SplitterQueues.defaults());
        byte[] big = "x ".repeat(50 * 1024).getBytes(StandardCharsets.UTF_8); // 100 KB, limit 64 KB
        blobs.putBytes(BlobPaths.documentSource(MATTER, "d-big"), big, PutCondition.none()).block(TIMEOUT);
        // The declared size is wrong on purpose: the bytes are what counts.
        DocumentReceived received = new DocumentReceived(MATTER, "d-big", "big.txt",
                BlobPaths.documentSource(MATTER, "d-big"), 10, "text/plain");

        StepVerifier.create(handler.handle(received, FIRST)).expectComplete().verify(TIMEOUT);

        assertThat(drain(Queues.RESULTS)).singleElement().isInstanceOfSatisfying(DocumentFailed.class,
                failed -> assertThat(failed.reason()).isEqualTo("document-too-large"));
        assertThat(tempFiles()).isEmpty();
    }

    @Test
    void aMissingSourceIsDeadLetteredAndStillReportedAsDocumentFailed() {
        DocumentReceived received = new DocumentReceived(MATTER, "d-gone", "gone.pdf",
                BlobPaths.documentSource(MATTER, "d-gone"), 100, "application/pdf");
        bus.publish(Queues.DOCUMENTS, MessageCodec.encode(received)).block(TIMEOUT);
        QueueConsumer consumer = new QueueConsumer(bus, Queues.DOCUMENTS,
                ConsumerSettings.of(1).withRetryBackoff(Duration.ofMillis(1), Duration.ofMillis(1)), handler);
        Sinks.Empty<Void> stop = Sinks.empty();

        consumer.run(stop.asMono()).subscribe();
        PipelineMessage failure = bus.receive(Queues.RESULTS, ReceiveOptions.defaults()).next()
                .flatMap(delivery -> delivery.complete().thenReturn(MessageCodec.decode(delivery.body())))
                .block(TIMEOUT);
        // onGiveUp publishes before the consumer dead-letters: wait for the second step.
        awaitTrue(() -> !bus.deadLetters(Queues.DOCUMENTS).isEmpty());
        stop.tryEmitEmpty();

        assertThat(failure).isInstanceOfSatisfying(DocumentFailed.class, failed -> {
            assertThat(failed.documentId()).isEqualTo("d-gone");
            assertThat(failed.reason()).isEqualTo("blob-not-found");
        });
        assertThat(bus.deadLetters(Queues.DOCUMENTS)).extracting(DeadLetteredMessage::reason)
                .containsExactly("blob-not-found");
        assertThat(bus.activeCount(Queues.PAGES)).isZero();
    }

    @Test
    void aBadDocumentThroughTheConsumerIsCompletedNotDeadLettered() {
        DocumentReceived received = upload("d-zero", new byte[0]);
        bus.publish(Queues.DOCUMENTS, MessageCodec.encode(received)).block(TIMEOUT);
        QueueConsumer consumer = new QueueConsumer(bus, Queues.DOCUMENTS, ConsumerSettings.of(1), handler);
        Sinks.Empty<Void> stop = Sinks.empty();

        consumer.run(stop.asMono()).subscribe();
        PipelineMessage failure = bus.receive(Queues.RESULTS, ReceiveOptions.defaults()).next()
                .flatMap(delivery -> delivery.complete().thenReturn(MessageCodec.decode(delivery.body())))
                .block(TIMEOUT);
        awaitTrue(() -> bus.activeCount(Queues.DOCUMENTS) == 0);
        stop.tryEmitEmpty();

        assertThat(failure).isEqualTo(new DocumentFailed(MATTER, "d-zero", "empty-document", "The document has 0 bytes"));
        assertThat(bus.activeCount(Queues.DOCUMENTS)).isZero();
        assertThat(bus.deadLetters(Queues.DOCUMENTS)).isEmpty();
    }

    private static void awaitTrue(BooleanSupplier condition) {
        Mono.delay(Duration.ofMillis(20)).repeat(() -> !condition.getAsBoolean()).blockLast(TIMEOUT);
    }

    /** A handler as the one of {@link #setUp()}, with {@code batchSize} PageTasks per batch at most. */
    private DocumentSplitHandler handlerWithBatchesOf(int batchSize) {
        SplitterProperties batches = new SplitterProperties(2, properties.pageWriteConcurrency(), 200, 40, 0.8,
                properties.maxDocumentSize(), 10_000, 1_000_000, 64, batchSize, dir.resolve("tmp"), null);
        return new DocumentSplitHandler(blobs, recording, DocumentSplitter.of(batches), batches,
                SplitterQueues.defaults());
    }

    private DocumentReceived upload(String documentId, byte[] content) {
        String source = BlobPaths.documentSource(MATTER, documentId);
        blobs.putBytes(source, content, PutCondition.none()).block(TIMEOUT);
        // A misleading name: the content decides.
        return new DocumentReceived(MATTER, documentId, "upload.bin", source, content.length, "application/octet-stream");
    }

    private List<PageContent> pageBlobs(String documentId) {
        List<PageContent> pages = new ArrayList<>();
        pageBlobBytes(documentId).values().forEach(bytes ->
                pages.add(MessageCodec.mapper().readValue(bytes, PageContent.class)));
        return pages;
    }

    private Map<String, byte[]> pageBlobBytes(String documentId) {
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        List<BlobInfo> infos = blobs.list(BlobPaths.documentPrefix(MATTER, documentId) + "pages/").collectList()
                .block(TIMEOUT);
        for (BlobInfo info : infos) {
            bytes.put(info.path(), blobs.read(info.path()).block(TIMEOUT).bytes());
        }
        return bytes;
    }

    /** Everything waiting on a queue, completed and decoded. */
    private List<PipelineMessage> drain(String queue) {
        int count = bus.activeCount(queue);
        if (count == 0) {
            return List.of();
        }
        return bus.receive(queue, ReceiveOptions.defaults())
                .take(count)
                .concatMap(delivery -> delivery.complete().thenReturn(MessageCodec.decode(delivery.body())))
                .collectList()
                .block(TIMEOUT);
    }

    private static List<String> messageIds(List<PipelineMessage> first, List<PipelineMessage> second) {
        List<String> ids = new ArrayList<>();
        first.forEach(message -> ids.add(message.messageId()));
        second.forEach(message -> ids.add(message.messageId()));
        return ids;
    }

    private List<Path> tempFiles() throws IOException {
        Path temp = dir.resolve("tmp");
        if (!Files.exists(temp)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(temp)) {
            return files.toList();
        }
    }

    /** Records the order and batch sizes of publications, then delegates. */
    private static final class RecordingBus implements MessageBus {

        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        /** Runs as each batch is published, before it is handed on. */
        volatile Runnable onPublishAll = () -> { };
        private final MessageBus delegate;

        RecordingBus(MessageBus delegate) {
            this.delegate = delegate;
        }

        @Override
        public Mono<Void> publish(String queue, OutboundMessage message) {
            return Mono.defer(() -> {
                calls.add(queue + ":" + message.type());
                return delegate.publish(queue, message);
            });
        }

        @Override
        public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
            return Mono.defer(() -> {
                calls.add(queue + ":" + messages.size());
                onPublishAll.run();
                return delegate.publishAll(queue, messages);
            });
        }

        @Override
        public Flux<Delivery> receive(String queue, ReceiveOptions options) {
            return delegate.receive(queue, options);
        }
    }
}
