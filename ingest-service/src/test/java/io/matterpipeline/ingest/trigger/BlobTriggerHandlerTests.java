package io.matterpipeline.ingest.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.bus.ConsumerSettings;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.RawQueueConsumer;
import io.matterpipeline.bus.memory.DeadLetteredMessage;
import io.matterpipeline.bus.memory.InMemoryBusOptions;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.DocumentStatusView;
import io.matterpipeline.ingest.matter.MatterState;
import io.matterpipeline.ingest.matter.MatterStatusView;
import io.matterpipeline.ingest.matter.Matters;
import io.matterpipeline.progress.DocumentStatus;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** The trigger's decisions on a real (filesystem) blob store and the Matter service, without HTTP or Azure. */
class BlobTriggerHandlerTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String CONTAINER = "matter-pipeline";
    private static final String TENANT = IngestProperties.defaults().defaultTenant();

    @BeforeAll
    static void noBlockingOnReactorThreads() {
        NonBlockingThreads.enforce();
    }

    @TempDir
    Path root;

    FileSystemBlobStore blobs;
    InMemoryMessageBus bus;
    Matters matters;
    BlobTriggerHandler handler;

    @BeforeEach
    void setUp() {
        blobs = FileSystemBlobStore.create(root);
        bus = InMemoryMessageBus.create(InMemoryBusOptions.defaults());
        matters = Matters.create(blobs, bus, IngestProperties.defaults(), Clock.systemUTC());
        handler = new BlobTriggerHandler(matters.intake(), TENANT, blobs, CONTAINER, BlobTriggerProperties.defaults(),
                Clock.systemUTC());
    }

    @AfterEach
    void tearDown() {
        bus.close();
        blobs.close();
    }

    @Test
    void anUploadToTheInboxCreatesItsMatterAndBecomesADocument() {
        BlobInfo upload = upload("inbox/m-new/brief.txt", "the brief");

        assertThat(handle(BlobEventJson.eventGrid("e-1", CONTAINER, upload.path(), upload.etag())))
                .containsExactly(BlobTriggerHandler.Outcome.ADDED);

        MatterStatusView status = status("m-new");
        assertThat(status.state()).isEqualTo(MatterState.OPEN);
        assertThat(status.documents()).extracting(DocumentStatusView::fileName).containsExactly("brief.txt");
        String documentId = status.documents().get(0).documentId();
        assertThat(documentId).isEqualTo(BlobTriggerHandler.documentId(upload.path(), upload.etag()));
        assertThat(read(BlobPaths.documentSource("m-new", documentId))).isEqualTo("the brief");
        // The page-splitter hears of it at once.
        assertThat(bus.activeCount("documents")).isEqualTo(1);
        // The processed (path, ETag) is recorded.
        assertThat(read(BlobTriggerHandler.receiptPath("m-new", documentId)))
                .contains("\"blob\":\"inbox/m-new/brief.txt\"").contains(BlobTriggerHandler.unquoted(upload.etag()));
    }

    @Test
    void aCloudEventWorksTheSame() {
        BlobInfo upload = upload("inbox/m-ce/a.txt", "alpha");

        assertThat(handle(BlobEventJson.cloudEvent("e-1", CONTAINER, upload.path(), upload.etag())))
                .containsExactly(BlobTriggerHandler.Outcome.ADDED);
        assertThat(status("m-ce").documents()).hasSize(1);
    }

    @Test
    void aDuplicateEventForTheSameBlobAndETagIsIgnored() {
        BlobInfo upload = upload("inbox/m-dup/a.txt", "alpha");
        byte[] event = BlobEventJson.eventGrid("e-1", CONTAINER, upload.path(), upload.etag());

        assertThat(handle(event)).containsExactly(BlobTriggerHandler.Outcome.ADDED);
        assertThat(handle(BlobEventJson.cloudEvent("e-1-again", CONTAINER, upload.path(), upload.etag())))
                .containsExactly(BlobTriggerHandler.Outcome.DUPLICATE);

        assertThat(status("m-dup").documents()).hasSize(1);
        assertThat(bus.activeCount("documents")).isEqualTo(1);
    }

    @Test
    void aRedeliveryAfterACrashBeforeTheReceiptAddsNoSecondDocument() {
        BlobInfo upload = upload("inbox/m-crash/a.txt", "alpha");
        byte[] event = BlobEventJson.eventGrid("e-1", CONTAINER, upload.path(), upload.etag());
        handle(event);
        String documentId = BlobTriggerHandler.documentId(upload.path(), upload.etag());
        blobs.deleteAll(List.of(BlobTriggerHandler.receiptPath("m-crash", documentId))).block(TIMEOUT);

        assertThat(handle(event)).containsExactly(BlobTriggerHandler.Outcome.ADDED);

        assertThat(status("m-crash").documents()).extracting(DocumentStatusView::documentId)
                .containsExactly(documentId);
    }

    @Test
    void aNewVersionOfTheSameFileIsANewDocumentAndAStaleEventIsIgnored() {
        BlobInfo first = upload("inbox/m-v/a.txt", "first");
        byte[] staleEvent = BlobEventJson.eventGrid("e-1", CONTAINER, first.path(), first.etag());
        BlobInfo second = upload("inbox/m-v/a.txt", "second");

        assertThat(handle(staleEvent)).containsExactly(BlobTriggerHandler.Outcome.SUPERSEDED);
        assertThat(handle(BlobEventJson.eventGrid("e-2", CONTAINER, second.path(), second.etag())))
                .containsExactly(BlobTriggerHandler.Outcome.ADDED);

        MatterStatusView status = status("m-v");
        assertThat(status.documents()).hasSize(1);
        assertThat(read(BlobPaths.documentSource("m-v", status.documents().get(0).documentId()))).isEqualTo("second");
    }

    @Test
    void eventsOutsideTheInboxFailWithTheReasonTheyAreDeadLetteredWith() {
        assertFailure(BlobEventJson.eventGrid("e-1", "another-container", "inbox/m-1/a.txt", "0x1"),
                "foreign-container");
        assertFailure(BlobEventJson.eventGrid("e-1", CONTAINER, "matters/m-1/matter.json", "0x1"),
                "not-inbox-path");
        assertFailure(BlobEventJson.eventGrid("e-1", CONTAINER, "inbox/-bad-/a.txt", "0x1"), "invalid-id");
        assertFailure(BlobEventJson.text("{\"id\": \"x\"}"), "malformed-event");
        Map<String, Object> deleted = BlobEventJson.eventGridEvent("e-1", CONTAINER, "inbox/m-1/a.txt", "0x1");
        deleted.put("eventType", "Microsoft.Storage.BlobDeleted");
        assertFailure(BlobEventJson.json(deleted), "unsupported-event-type");
        assertFailure(BlobEventJson.validation("code"), "unsupported-event-type");
        // Nothing was created on the way.
        assertThat(blobs.list("matters/").collectList().block(TIMEOUT)).isEmpty();
    }

    @Test
    void anEmptyFileIsRefusedWithItsReason() {
        BlobInfo upload = upload("inbox/m-e/empty.txt", "");

        assertFailure(BlobEventJson.eventGrid("e-1", CONTAINER, upload.path(), upload.etag()), "empty-document");
    }

    @Test
    @SuppressWarnings("unchecked")
    void hiddenFilesAndAdlsCreateFileEventsAreSkipped() {
        // The blob store port cannot even address dot-files: they never get that far.
        Map<String, Object> createFile = BlobEventJson.eventGridEvent("e-2", CONTAINER, "inbox/m-h/a.txt", "0x1");
        ((Map<String, Object>) createFile.get("data")).put("api", "CreateFile");

        assertThat(handle(BlobEventJson.eventGrid("e-1", CONTAINER, "inbox/m-h/.DS_Store", "0x1")))
                .containsExactly(BlobTriggerHandler.Outcome.SKIPPED);
        assertThat(handle(BlobEventJson.json(createFile))).containsExactly(BlobTriggerHandler.Outcome.SKIPPED);
        assertThat(blobs.stat(BlobPaths.matterManifest("m-h")).block(TIMEOUT)).isNull();
    }

    @Test
    void theSealMarkerTakesInDocumentsWhoseEventsAreLateThenSeals() {
        BlobInfo a = upload("inbox/m-s/a.txt", "alpha");
        upload("inbox/m-s/b.txt", "beta");
        BlobInfo marker = upload("inbox/m-s/_SEALED", "");
        handle(BlobEventJson.eventGrid("e-a", CONTAINER, a.path(), a.etag()));

        // Event Grid does not order events: the marker's may come before b.txt's.
        assertThat(handle(BlobEventJson.eventGrid("e-seal", CONTAINER, marker.path(), marker.etag())))
                .containsExactly(BlobTriggerHandler.Outcome.SEALED);

        MatterStatusView status = status("m-s");
        assertThat(status.state()).isEqualTo(MatterState.SEALED);
        assertThat(status.documents()).extracting(DocumentStatusView::fileName)
                .containsExactlyInAnyOrder("a.txt", "b.txt");
        assertThat(bus.activeCount("results")).as("MatterSealed published").isEqualTo(1);

        // b.txt's own event arrives late: it is in already.
        BlobInfo b = blobs.stat("inbox/m-s/b.txt").block(TIMEOUT);
        assertThat(handle(BlobEventJson.eventGrid("e-b", CONTAINER, b.path(), b.etag())))
                .containsExactly(BlobTriggerHandler.Outcome.DUPLICATE);
        // The marker's event again: nothing to do.
        assertThat(handle(BlobEventJson.eventGrid("e-seal", CONTAINER, marker.path(), marker.etag())))
                .containsExactly(BlobTriggerHandler.Outcome.ALREADY_SEALED);
        assertThat(status("m-s").documents()).hasSize(2);
    }

    @Test
    void aDocumentUploadedAfterTheSealIsRefused() {
        BlobInfo marker = upload("inbox/m-late/_SEALED", "");
        handle(BlobEventJson.eventGrid("e-seal", CONTAINER, marker.path(), marker.etag()));
        BlobInfo late = upload("inbox/m-late/late.txt", "late");

        assertFailure(BlobEventJson.eventGrid("e-late", CONTAINER, late.path(), late.etag()), "matter-sealed");
    }

    @Test
    void aForgedEventForABlobThatDoesNotExistChangesNothing() {
        // A document that was never uploaded: no Matter, no document.
        assertFailure(BlobEventJson.eventGrid("e-forged", CONTAINER, "inbox/m-forged/a.txt", "0x8DC0FFEE"),
                "blob-not-found");
        assertThat(blobs.list("matters/m-forged/").collectList().block(TIMEOUT)).isEmpty();

        // A seal marker that was never uploaded does not seal an open Matter, nor take in its inbox.
        upload("inbox/m-open/a.txt", "alpha");
        matters.intake().createIfAbsent(TENANT, "m-open", null).block(TIMEOUT);
        MatterStatusView before = status("m-open");
        assertFailure(BlobEventJson.cloudEvent("e-seal", CONTAINER, "inbox/m-open/_SEALED", "0x8DC0FFEE"),
                "blob-not-found");
        MatterStatusView after = status("m-open");
        assertThat(after.state()).isEqualTo(MatterState.OPEN);
        assertThat(after).isEqualTo(before);
        assertThat(bus.activeCount("documents")).isZero();

        // A document deleted before its event is handled is the same case: nothing to add.
        BlobInfo gone = upload("inbox/m-open/b.txt", "beta");
        blobs.deleteAll(List.of(gone.path())).block(TIMEOUT);
        assertFailure(BlobEventJson.eventGrid("e-gone", CONTAINER, gone.path(), gone.etag()), "blob-not-found");
        assertThat(status("m-open").documents()).isEmpty();
    }

    @Test
    void theQueueConsumerCompletesEventsAndDeadLettersTheOnesItCannotTake() {
        BlobInfo upload = upload("inbox/m-q/a.txt", "alpha");
        publish("ok", BlobEventJson.eventGrid("e-1", CONTAINER, upload.path(), upload.etag()));
        publish("twice", BlobEventJson.eventGrid("e-1", CONTAINER, upload.path(), upload.etag()));
        publish("foreign", BlobEventJson.eventGrid("e-2", "elsewhere", upload.path(), upload.etag()));
        publish("garbage", BlobEventJson.text("<xml/>"));
        publish("forged-seal", BlobEventJson.eventGrid("e-3", CONTAINER, "inbox/m-q/_SEALED", "0x1"));
        BlobInfo empty = upload("inbox/m-q/empty.txt", "");
        publish("empty", BlobEventJson.eventGrid("e-4", CONTAINER, empty.path(), empty.etag()));
        RawQueueConsumer consumer = new RawQueueConsumer(bus, "blob-events", ConsumerSettings.of(1), handler);
        Sinks.Empty<Void> stop = Sinks.empty();

        StepVerifier.create(consumer.run(stop.asMono()))
                .then(() -> await(() -> bus.activeCount("blob-events") == 0))
                .then(stop::tryEmitEmpty)
                .verifyComplete();

        assertThat(bus.deadLetters("blob-events")).extracting(DeadLetteredMessage::messageId,
                        DeadLetteredMessage::reason)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("foreign", "foreign-container"),
                        org.assertj.core.groups.Tuple.tuple("garbage", "malformed-event"),
                        org.assertj.core.groups.Tuple.tuple("forged-seal", "blob-not-found"),
                        org.assertj.core.groups.Tuple.tuple("empty", "empty-document"));
        // The file that could not be taken is in its Matter, FAILED with the dead letter's reason, so the Matter
        // will not wait for it; the forged marker sealed nothing.
        assertThat(status("m-q").documents()).hasSize(2)
                .filteredOn(document -> document.status() == DocumentStatus.FAILED).singleElement()
                .satisfies(document -> {
                    assertThat(document.fileName()).isEqualTo("empty.txt");
                    assertThat(document.failure().reason()).isEqualTo("empty-document");
                });
        assertThat(status("m-q").state()).isEqualTo(MatterState.OPEN);
    }

    private void publish(String messageId, byte[] body) {
        bus.publish("blob-events", new OutboundMessage(messageId, null, body, Map.of())).block(TIMEOUT);
    }

    private List<BlobTriggerHandler.Outcome> handle(byte[] body) {
        return handler.handle(BlobEvents.parse(body)).block(TIMEOUT).stream()
                .map(BlobTriggerHandler.Result::outcome).toList();
    }

    private void assertFailure(byte[] body, String reason) {
        StepVerifier.create(Mono.defer(() -> handler.handle(BlobEvents.parse(body))))
                .expectErrorSatisfies(error -> assertThat(error)
                        .isInstanceOf(PipelineException.class)
                        .satisfies(e -> assertThat(((PipelineException) e).kind())
                                .isIn(PipelineException.Kind.BAD_INPUT, PipelineException.Kind.TOO_LARGE))
                        .extracting(e -> ((PipelineException) e).reason()).isEqualTo(reason))
                .verify(TIMEOUT);
    }

    private BlobInfo upload(String path, String content) {
        return blobs.put(path, Flux.just(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8))),
                PutCondition.none(), Map.of()).block(TIMEOUT);
    }

    private String read(String path) {
        return new String(blobs.read(path).block(TIMEOUT).bytes(), StandardCharsets.UTF_8);
    }

    private static void await(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + TIMEOUT);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private MatterStatusView status(String matterId) {
        return matters.queries().status(TENANT, matterId).block(TIMEOUT);
    }
}
