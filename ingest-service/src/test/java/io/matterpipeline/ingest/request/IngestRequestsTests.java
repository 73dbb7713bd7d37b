package io.matterpipeline.ingest.request;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.bus.ConsumerProperties;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.RawQueueConsumer;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.memory.DeadLetteredMessage;
import io.matterpipeline.bus.memory.InMemoryBusOptions;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.contract.DocumentFailed;
import io.matterpipeline.contract.MatterSealed;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.contract.SealedDocument;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.DocumentStatusView;
import io.matterpipeline.ingest.matter.MatterState;
import io.matterpipeline.ingest.matter.MatterStatusView;
import io.matterpipeline.ingest.matter.Matters;
import io.matterpipeline.progress.DocumentStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.util.unit.DataSize;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;

/**
 * The upstream ingest-requests queue end to end on the in-memory bus and a filesystem store: requests create, fill and
 * seal a Matter; repeats have no second effect; invalid ones are dead-lettered with a reason naming the field.
 */
class IngestRequestsTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String QUEUE = "ingest-requests";
    private static final String TENANT = "acme";

    @BeforeAll
    static void noBlockingOnReactorThreads() {
        NonBlockingThreads.enforce();
    }

    @TempDir
    Path root;

    FileSystemBlobStore blobs;
    InMemoryMessageBus bus;
    Matters matters;
    Sinks.Empty<Void> stop;
    Disposable consuming;

    @BeforeEach
    void setUp() {
        blobs = FileSystemBlobStore.create(root);
        bus = InMemoryMessageBus.create(InMemoryBusOptions.defaults());
        IngestProperties properties = new IngestProperties(DataSize.ofKilobytes(64), 10, 200, "default", 16,
                Duration.ofMillis(1), 4);
        matters = Matters.create(blobs, bus, properties, Clock.systemUTC());
        IngestProperties.Requests settings = new IngestProperties.Requests(true, QUEUE, 2,
                new ConsumerProperties(0, 3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5)),
                DataSize.ofKilobytes(64), List.of("inbox/"),
                "https://acct.blob.core.windows.net/pipeline/");
        RawQueueConsumer consumer = IngestRequests.consumer(bus, IngestRequests.create(matters.intake(), blobs, settings),
                settings);
        stop = Sinks.empty();
        consuming = consumer.run(stop.asMono()).subscribe();
    }

    @AfterEach
    void tearDown() {
        stop.tryEmitEmpty();
        consuming.dispose();
        bus.close();
        blobs.close();
    }

    @Test
    void requestsCreateFillAndSealAMatterAndARepeatHasNoSecondEffect() {
        byte[] brief = "%PDF-1.7 not really".getBytes(StandardCharsets.UTF_8);
        blobs.putBytes("inbox/acme/brief.pdf", brief, PutCondition.none()).block(TIMEOUT);
        blobs.putBytes("inbox/acme/notes.txt", "notes".getBytes(StandardCharsets.UTF_8), PutCondition.none())
                .block(TIMEOUT);

        send(request("r-1", "create-matter", "m-upstream-1", "\"name\": \"Acme v. Roadrunner\""));
        send(request("r-2", "add-document", "m-upstream-1",
                "\"source\": \"inbox/acme/brief.pdf\", \"contentType\": \"application/pdf\""));
        // By URL under the configured container (a SAS query is ignored), with a file name of its own.
        send(request("r-3", "add-document", "m-upstream-1",
                "\"source\": \"https://acct.blob.core.windows.net/pipeline/inbox/acme/notes.txt?sv=x&sig=y\", "
                        + "\"fileName\": \"Meeting notes.txt\""));
        await(() -> status("m-upstream-1") != null && status("m-upstream-1").documents().size() == 2);
        // The same requests again (new message ids: a producer retrying after a timeout).
        send(request("r-2", "add-document", "m-upstream-1", "\"source\": \"inbox/acme/brief.pdf\""));
        send(request("r-1", "create-matter", "m-upstream-1", "\"name\": \"Another name\""));
        send(request("r-4", "seal", "m-upstream-1", null));
        await(() -> status("m-upstream-1").state() == MatterState.SEALED);
        send(request("r-4", "seal", "m-upstream-1", null));
        await(() -> bus.activeCount(QUEUE) == 0);

        MatterStatusView status = status("m-upstream-1");
        assertThat(status.name()).isEqualTo("Acme v. Roadrunner");
        assertThat(status.documents()).extracting(document -> document.fileName())
                .containsExactlyInAnyOrder("brief.pdf", "Meeting notes.txt"); // concurrent consumers: any order
        assertThat(bus.deadLetters(QUEUE)).isEmpty();
        assertThat(blobs.read("inbox/acme/brief.pdf").block(TIMEOUT).bytes()).as("the source stays").isEqualTo(brief);
        assertThat(blobs.read(BlobPaths.ingestRequest(TENANT, "r-2")).block(TIMEOUT)).isNotNull();
        String copied = BlobPaths.documentSource("m-upstream-1", status.documents().stream()
                .filter(document -> document.fileName().equals("brief.pdf")).findFirst().orElseThrow().documentId());
        assertThat(blobs.read(copied).block(TIMEOUT).bytes()).isEqualTo(brief);
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                Arguments.of("not JSON", "{\"requestId\": ", "malformed-request"),
                Arguments.of("nested 10,000 deep", "[".repeat(10_000) + "]".repeat(10_000), "malformed-request"),
                Arguments.of("missing matterId",
                        "{\"schemaVersion\":1,\"requestId\":\"r\",\"tenant\":\"acme\",\"action\":\"seal\"}",
                        "invalid-request:matterId"),
                Arguments.of("path traversal in matterId", request("r", "seal", "../m", null),
                        "invalid-request:matterId"),
                Arguments.of("control character in requestId", request("r\\u0001", "seal", "m-1", null),
                        "invalid-request:requestId"),
                Arguments.of("very long tenant", request("r", "seal", "m-1", null)
                        .replace("\"acme\"", "\"" + "t".repeat(300) + "\""), "invalid-request:tenant"),
                Arguments.of("unknown action", request("r", "delete-everything", "m-1", null),
                        "invalid-request:action"),
                Arguments.of("unknown field", request("r", "seal", "m-1", "\"colour\": \"red\""),
                        "invalid-request:colour"),
                Arguments.of("add-document without source", request("r", "add-document", "m-1", null),
                        "invalid-request:source"),
                Arguments.of("newer schema version", request("r", "seal", "m-1", null)
                        .replace("\"schemaVersion\": 1", "\"schemaVersion\": 2"), "invalid-request:schemaVersion"),
                Arguments.of("source outside the inbox", request("r", "add-document", "m-1",
                        "\"source\": \"tokens/t-1.json\""), "source-not-allowed"),
                Arguments.of("source climbing out of the inbox", request("r", "add-document", "m-1",
                        "\"source\": \"inbox/../matters/m-2/documents/d-1/source\""), "source-not-allowed"),
                Arguments.of("source URL of another account", request("r", "add-document", "m-1",
                        "\"source\": \"https://evil.example/pipeline/inbox/a.pdf\""), "source-not-allowed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void invalidRequestsAreDeadLetteredAtOnceWithAReasonNamingTheField(String what, String body, String reason) {
        matters.intake().createIfAbsent(TENANT, "m-1", null).block(TIMEOUT);
        send(body);

        DeadLetteredMessage dead = awaitDeadLetter();
        assertThat(dead.reason()).isEqualTo(reason);
        assertThat(dead.deliveryCount()).as("not retried").isLessThanOrEqualTo(1);
        List<DocumentStatusView> documents = matters.queries().status(TENANT, "m-1").block(TIMEOUT).documents();
        if (reason.equals("source-not-allowed")) {
            // A well-formed add-document names a document: it is recorded FAILED, never read.
            assertThat(documents).singleElement().satisfies(document -> {
                assertThat(document.status()).isEqualTo(DocumentStatus.FAILED);
                assertThat(document.failure().reason()).isEqualTo(reason);
                assertThat(document.fileName()).doesNotContain("/");
            });
        } else {
            assertThat(documents).isEmpty();
        }
    }

    @Test
    void aDocumentForASealedMatterIsDeadLetteredNotRetried() {
        blobs.putBytes("inbox/acme/late.txt", "late".getBytes(StandardCharsets.UTF_8), PutCondition.none())
                .block(TIMEOUT);
        matters.intake().createIfAbsent(TENANT, "m-sealed", null).block(TIMEOUT);
        matters.intake().seal(TENANT, "m-sealed").block(TIMEOUT);

        send(request("r-late", "add-document", "m-sealed", "\"source\": \"inbox/acme/late.txt\""));

        DeadLetteredMessage dead = awaitDeadLetter();
        assertThat(dead.reason()).isEqualTo("matter-sealed");
        assertThat(dead.deliveryCount()).isLessThanOrEqualTo(1);
        // A sealed Matter's documents are fixed: nothing is recorded.
        assertThat(status("m-sealed").documents()).isEmpty();
    }

    @Test
    void aDocumentGivenUpOnIsRecordedFailedSoTheSealedMatterDoesNotWaitForIt() {
        blobs.putBytes("inbox/acme/brief.pdf", "%PDF-1.7".getBytes(StandardCharsets.UTF_8), PutCondition.none())
                .block(TIMEOUT);
        send(request("r-1", "create-matter", "m-gone", null));
        send(request("r-2", "add-document", "m-gone", "\"source\": \"inbox/acme/brief.pdf\""));
        await(() -> status("m-gone") != null && status("m-gone").documents().size() == 1);
        // The source was deleted before the request was handled (or never existed): the request is dead-lettered.
        send(request("r-3", "add-document", "m-gone",
                "\"source\": \"https://acct.blob.core.windows.net/pipeline/inbox/acme/exhibit.pdf?sv=x&sig=secret\""));
        DeadLetteredMessage dead = awaitDeadLetter();
        assertThat(dead.reason()).isEqualTo("source-not-found");

        // The document it named is in the Matter, FAILED with the dead letter's reason, and the aggregator is told.
        await(() -> status("m-gone").documents().size() == 2);
        DocumentStatusView failed = status("m-gone").documents().stream()
                .filter(document -> document.status() == DocumentStatus.FAILED).findFirst().orElseThrow();
        assertThat(failed.fileName()).isEqualTo("exhibit.pdf");
        assertThat(failed.failure().reason()).isEqualTo("source-not-found");
        assertThat(failed.failure().description()).contains("r-3").doesNotContain("secret");
        List<PipelineMessage> results = drain(Queues.RESULTS);
        assertThat(results).singleElement().isInstanceOfSatisfying(DocumentFailed.class, documentFailed -> {
            assertThat(documentFailed.documentId()).isEqualTo(failed.documentId());
            assertThat(documentFailed.reason()).isEqualTo("source-not-found");
        });
        assertThat(drain(Queues.DOCUMENTS)).extracting(PipelineMessage::messageId).hasSize(1)
                .noneMatch(id -> id.contains(failed.documentId()));

        // The seal lists it: the Matter ends PARTIAL rather than waiting for a document that will never come.
        send(request("r-4", "seal", "m-gone", null));
        await(() -> bus.activeCount(Queues.RESULTS) > 0);
        assertThat(drain(Queues.RESULTS)).singleElement().isInstanceOfSatisfying(MatterSealed.class, sealed ->
                assertThat(sealed.documents()).extracting(SealedDocument::documentId).contains(failed.documentId())
                        .hasSize(2));
        // Replaying the dead letter as it is changes nothing (the same request names the same document).
        bus.replayDeadLetters(QUEUE);
        await(() -> bus.activeCount(QUEUE) == 0);
        assertThat(status("m-gone").documents()).hasSize(2);
    }

    @Test
    void aMissingSourceOrAnotherTenantsMatterIsDeadLettered() {
        matters.intake().createIfAbsent("other", "m-theirs", null).block(TIMEOUT);
        send(request("r-1", "add-document", "m-theirs", "\"source\": \"inbox/acme/none.pdf\""));
        assertThat(awaitDeadLetter().reason()).isEqualTo("matter-not-found");

        matters.intake().createIfAbsent(TENANT, "m-mine", null).block(TIMEOUT);
        send(request("r-2", "add-document", "m-mine", "\"source\": \"inbox/acme/none.pdf\""));
        await(() -> bus.deadLetters(QUEUE).size() == 2);
        assertThat(bus.deadLetters(QUEUE).get(1).reason()).isEqualTo("source-not-found");
    }

    // --- helpers

    private static String request(String requestId, String action, String matterId, String extra) {
        return "{\"schemaVersion\": 1, \"requestId\": \"" + requestId + "\", \"tenant\": \"" + TENANT
                + "\", \"action\": \"" + action + "\", \"matterId\": \"" + matterId + "\""
                + (extra == null ? "" : ", " + extra) + "}";
    }

    private void send(String body) {
        bus.publish(QUEUE, new OutboundMessage(UUID.randomUUID().toString(), "ingest-request",
                body.getBytes(StandardCharsets.UTF_8), Map.of())).block(TIMEOUT);
    }

    /** Every message waiting on {@code queue}, taken and completed. */
    private List<PipelineMessage> drain(String queue) {
        int waiting = bus.activeCount(queue);
        return waiting == 0 ? List.of() : bus.receive(queue, ReceiveOptions.defaults()).take(waiting)
                .concatMap(delivery -> delivery.complete().thenReturn(MessageCodec.decode(delivery.body())))
                .collectList().block(TIMEOUT);
    }

    private MatterStatusView status(String matterId) {
        try {
            return matters.queries().status(TENANT, matterId).block(TIMEOUT);
        } catch (PipelineException missing) {
            return null;
        }
    }

    private DeadLetteredMessage awaitDeadLetter() {
        await(() -> !bus.deadLetters(QUEUE).isEmpty());
        return bus.deadLetters(QUEUE).get(0);
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Condition not met within " + TIMEOUT);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
