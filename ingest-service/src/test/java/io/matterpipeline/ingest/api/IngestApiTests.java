package io.matterpipeline.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.TraceContext;
import io.matterpipeline.contract.DocumentReceived;
import io.matterpipeline.contract.MatterSealed;
import io.matterpipeline.contract.MatterCompleted;
import io.matterpipeline.progress.DocumentStatus;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.annotation.DirtiesContext;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.contract.SealedDocument;
import io.matterpipeline.ingest.IngestApplication;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.FailureNote;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.progress.MatterStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * The ingest HTTP API end to end, on a real server over loopback, with the in-memory bus and a filesystem blob store
 * in a temporary directory (both from the common adapters' auto-configuration). One Spring context for all tests.
 */
@SpringBootTest(classes = IngestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"matter-pipeline.ingest.max-document-size=64KB", "matter-pipeline.ingest.max-documents-per-matter=5",
                "matter-pipeline.admin-token=" + IngestApiTests.ADMIN_TOKEN,
                "matter-pipeline.ingest.events.poll-interval=50ms", "matter-pipeline.ingest.events.heartbeat=200ms",
                "matter-pipeline.ingest.requests.enabled=false",
                "matter-pipeline.ingest.auth.requests-per-minute=100000", "matter-pipeline.ingest.auth.burst=10000"})
@DirtiesContext
class IngestApiTests {

    static {
        // Before the server's threads exist: a blocking call on an event loop fails the request that made it.
        NonBlockingThreads.enforce();
    }

    /** The bootstrap admin token, as MATTER_PIPELINE_ADMIN_TOKEN would give it. */
    static final String ADMIN_TOKEN = "ingest-api-tests-bootstrap-admin-0123456789";
    private static final String TENANT = "acme";

    /** The filesystem store's root; deleted after the class, once its context is closed. */
    @TempDir
    static Path storeRoot;
    /** A matters:read + matters:write token of tenant {@value #TENANT}, issued once through the API. */
    private static String tenantToken;
    private static final long LIMIT = 64 * 1024;

    @DynamicPropertySource
    static void blobRoot(DynamicPropertyRegistry registry) {
        registry.add("matter-pipeline.blob.filesystem.root", () -> storeRoot.toString());
    }


    /** Every message published during the tests, received from the bus and completed, by Matter id. */
    private static final Map<String, List<PipelineMessage>> RECEIVED = new ConcurrentHashMap<>();
    /** The traceparent each received message carried, by message id. */
    private static final Map<String, String> TRACEPARENTS = new ConcurrentHashMap<>();
    private static Disposable receiving;

    @LocalServerPort
    int port;

    @Autowired
    BlobStore blobs;

    @Autowired
    MessageBus bus;

    @Autowired
    @org.springframework.beans.factory.annotation.Qualifier("ingestRoutes")
    org.springframework.web.reactive.function.server.RouterFunction<?> routes;

    WebTestClient client;

    @BeforeEach
    void setUp() {
        synchronized (RECEIVED) {
            if (tenantToken == null) {
                tenantToken = issueToken(TENANT, "matters:read", "matters:write");
            }
        }
        client = clientWith(tenantToken);
        synchronized (RECEIVED) {
            if (receiving == null) {
                receiving = Flux.just(Queues.DOCUMENTS, Queues.RESULTS, Queues.MATTERS_COMPLETED)
                        .flatMap(queue -> bus.receive(queue, ReceiveOptions.defaults()))
                        .concatMap(delivery -> {
                            PipelineMessage message = MessageCodec.decode(delivery.body());
                            TRACEPARENTS.put(message.messageId(),
                                    delivery.properties().getOrDefault(TraceContext.PROPERTY, ""));
                            RECEIVED.computeIfAbsent(message.matterId(), id -> new CopyOnWriteArrayList<>())
                                    .add(message);
                            return delivery.complete();
                        })
                        .subscribe();
            }
        }
    }

    @Test
    void createUploadSealAndStatusPublishTheDocumentsAndTheSeal() {
        String created = client.post().uri("/v1/matters")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"name\": \"Acme v. Roadrunner\"}")
                .exchange()
                .expectStatus().isCreated()
                .expectHeader().value(HttpHeaders.LOCATION,
                        location -> assertThat(location).startsWith("/v1/matters/m-"))
                .expectBody(String.class).returnResult().getResponseBody();
        String matterId = jsonField(created, "matterId");
        assertThat(jsonField(created, "name")).isEqualTo("Acme v. Roadrunner");
        assertThat(jsonField(created, "state")).isEqualTo("OPEN");

        byte[] brief = "The parties met on 1 March 2024.\fPage two.".getBytes(StandardCharsets.UTF_8);
        String uploaded = upload(matterId, "C:\\fakepath\\brief.txt", MediaType.TEXT_PLAIN, brief)
                .expectStatus().isCreated()
                .expectBody(String.class).returnResult().getResponseBody();
        String documentId = jsonField(uploaded, "documentId");
        assertThat(jsonField(uploaded, "fileName")).isEqualTo("brief.txt");
        assertThat(jsonField(uploaded, "declaredContentType")).isEqualTo("text/plain");
        assertThat(MessageCodec.mapper().readTree(uploaded).path("sizeBytes").asLong()).isEqualTo(brief.length);
        String secondId = uploadExpectingCreated(matterId, "notes.txt", "Second document".getBytes(StandardCharsets.UTF_8));

        client.post().uri("/v1/matters/{id}/seal", matterId).exchange()
                .expectStatus().isAccepted()
                .expectBody()
                .jsonPath("$.matterId").isEqualTo(matterId)
                .jsonPath("$.documentCount").isEqualTo(2)
                .jsonPath("$.resumed").isEqualTo(false);

        client.get().uri("/v1/matters/{id}", matterId).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.state").isEqualTo("SEALED")
                .jsonPath("$.status").isEqualTo("PROCESSING")
                .jsonPath("$.resultReady").isEqualTo(false)
                .jsonPath("$.totals.documents").isEqualTo(2)
                .jsonPath("$.documents[0].documentId").isEqualTo(documentId)
                .jsonPath("$.documents[0].fileName").isEqualTo("brief.txt")
                .jsonPath("$.documents[0].status").isEqualTo("PENDING")
                .jsonPath("$.documents[0].pageCount").doesNotExist()
                .jsonPath("$.documents[1].documentId").isEqualTo(secondId);

        assertThat(blobs.get(BlobPaths.documentSource(matterId, documentId)).map(buffer -> {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        }).reduce(new ByteArrayOutputStream(), (out, bytes) -> {
            out.writeBytes(bytes);
            return out;
        }).map(ByteArrayOutputStream::toByteArray).block(Duration.ofSeconds(5))).isEqualTo(brief);

        List<PipelineMessage> messages = awaitMessages(matterId,
                received -> received.stream().anyMatch(MatterSealed.class::isInstance)
                        && received.stream().filter(DocumentReceived.class::isInstance).map(PipelineMessage::messageId)
                                .distinct().count() == 2);
        assertThat(messages).contains(new DocumentReceived(matterId, documentId, "brief.txt",
                BlobPaths.documentSource(matterId, documentId), brief.length, "text/plain"));
        assertThat(messages).contains(new MatterSealed(matterId, List.of(new SealedDocument(documentId, "brief.txt"),
                new SealedDocument(secondId, "notes.txt"))));
    }

    @Test
    void theMessagesARequestPublishesContinueItsTrace() {
        String matterId = createMatter("Traced");
        String callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
        MultipartBodyBuilder parts = new MultipartBodyBuilder();
        parts.part("file", "Traced text.".getBytes(StandardCharsets.UTF_8)).filename("traced.txt")
                .contentType(MediaType.TEXT_PLAIN);
        client.post().uri("/v1/matters/{id}/documents", matterId)
                .header(TraceContext.PROPERTY, "00-" + callerTrace + "-00f067aa0ba902b7-01")
                .body(BodyInserters.fromMultipartData(parts.build()))
                .exchange()
                .expectStatus().isCreated();
        client.post().uri("/v1/matters/{id}/seal", matterId).exchange().expectStatus().isAccepted();

        List<PipelineMessage> messages = awaitMessages(matterId,
                received -> received.stream().anyMatch(MatterSealed.class::isInstance)
                        && received.stream().anyMatch(DocumentReceived.class::isInstance));
        String received = TRACEPARENTS.get(messages.stream().filter(DocumentReceived.class::isInstance)
                .findFirst().orElseThrow().messageId());
        assertThat(TraceContext.isValid(received)).as(received).isTrue();
        assertThat(TraceContext.traceId(received)).isEqualTo(callerTrace);
        // The request's handling is a span of its own under the caller's.
        assertThat(TraceContext.spanId(received)).isNotEqualTo("00f067aa0ba902b7");
        // A request without a traceparent starts one trace for everything it publishes.
        String sealed = TRACEPARENTS.get(messages.stream().filter(MatterSealed.class::isInstance)
                .findFirst().orElseThrow().messageId());
        assertThat(TraceContext.isValid(sealed)).as(sealed).isTrue();
        assertThat(TraceContext.traceId(sealed)).isNotEqualTo(callerTrace);
    }

    @Test
    void createWithoutBodyIsFine() {
        client.post().uri("/v1/matters").exchange()
                .expectStatus().isCreated()
                .expectBody().jsonPath("$.matterId").value(id -> assertThat((String) id).startsWith("m-"))
                .jsonPath("$.name").doesNotExist();
    }

    @Test
    void uploadToSealedMatterIsAConflict() {
        String matterId = createMatter("sealed");
        client.post().uri("/v1/matters/{id}/seal", matterId).exchange().expectStatus().isAccepted();

        expectProblem(upload(matterId, "late.txt", MediaType.TEXT_PLAIN, "late".getBytes(StandardCharsets.UTF_8)),
                HttpStatus.CONFLICT, "matter-sealed");
        assertThat(blobPaths(matterId)).containsExactly(BlobPaths.matterManifest(matterId));
    }

    @Test
    void sealingTwiceIsAConflict() {
        String matterId = createMatter(null);
        uploadExpectingCreated(matterId, "a.txt", "a".getBytes(StandardCharsets.UTF_8));
        client.post().uri("/v1/matters/{id}/seal", matterId).exchange().expectStatus().isAccepted();

        expectProblem(client.post().uri("/v1/matters/{id}/seal", matterId).exchange(), HttpStatus.CONFLICT,
                "matter-already-sealed");
    }

    @Test
    void unknownMatterIsNotFoundEverywhere() {
        String unknown = "m-doesnotexist";
        expectProblem(client.get().uri("/v1/matters/{id}", unknown).exchange(), HttpStatus.NOT_FOUND,
                "matter-not-found");
        expectProblem(client.post().uri("/v1/matters/{id}/seal", unknown).exchange(), HttpStatus.NOT_FOUND,
                "matter-not-found");
        expectProblem(client.get().uri("/v1/matters/{id}/result", unknown).exchange(), HttpStatus.NOT_FOUND,
                "matter-not-found");
        expectProblem(upload(unknown, "a.txt", MediaType.TEXT_PLAIN, "a".getBytes(StandardCharsets.UTF_8)),
                HttpStatus.NOT_FOUND, "matter-not-found");
        assertThat(blobPaths(unknown)).isEmpty();
    }

    @Test
    void idsThatAreNotIdsAreBadRequests() {
        for (String id : List.of("../x", "x".repeat(200), "a\u0001b", ".hidden")) {
            expectProblem(client.get().uri("/v1/matters/{id}", id).exchange(), HttpStatus.BAD_REQUEST, "invalid-id");
            expectProblem(client.post().uri("/v1/matters/{id}/seal", id).exchange(), HttpStatus.BAD_REQUEST,
                    "invalid-id");
            expectProblem(upload(id, "a.txt", MediaType.TEXT_PLAIN, "a".getBytes(StandardCharsets.UTF_8)),
                    HttpStatus.BAD_REQUEST, "invalid-id");
        }
    }

    @Test
    void emptyUploadIsABadRequestAndLeavesNothing() {
        String matterId = createMatter(null);
        expectProblem(upload(matterId, "empty.pdf", MediaType.APPLICATION_PDF, new byte[0]), HttpStatus.BAD_REQUEST,
                "empty-document");
        assertThat(blobPaths(matterId)).containsExactly(BlobPaths.matterManifest(matterId));
        client.get().uri("/v1/matters/{id}", matterId).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.documents.length()").isEqualTo(0);
    }

    @Test
    void streamedUploadPastTheLimitIsTooLargeAndLeavesNothing() {
        String matterId = createMatter(null);
        // 100 KB: past the 64 KB limit, but within the multipart allowance, so the streaming count must catch it.
        expectProblem(upload(matterId, "big.bin", MediaType.APPLICATION_OCTET_STREAM, new byte[100 * 1024]),
                HttpStatus.CONTENT_TOO_LARGE, "document-too-large");
        assertThat(blobPaths(matterId)).containsExactly(BlobPaths.matterManifest(matterId));

        // A document of exactly the limit is accepted.
        uploadExpectingCreated(matterId, "limit.bin", new byte[(int) LIMIT]);
    }

    @Test
    void declaredLengthPastTheLimitIsRefusedBeforeReading() {
        String matterId = createMatter(null);
        byte[] body = multipartBody("B0undary", "huge.bin", new byte[1024 * 1024]);
        expectProblem(client.post().uri("/v1/matters/{id}/documents", matterId)
                        .contentType(MediaType.parseMediaType("multipart/form-data; boundary=B0undary"))
                        .contentLength(body.length)
                        .bodyValue(body)
                        .exchange(),
                HttpStatus.CONTENT_TOO_LARGE, "document-too-large");
        assertThat(blobPaths(matterId)).containsExactly(BlobPaths.matterManifest(matterId));
    }

    @Test
    void moreDocumentsThanAllowedIsAConflict() {
        String matterId = createMatter(null);
        for (int i = 0; i < 5; i++) {
            uploadExpectingCreated(matterId, "doc" + i + ".txt", ("document " + i).getBytes(StandardCharsets.UTF_8));
        }
        expectProblem(upload(matterId, "one-too-many.txt", MediaType.TEXT_PLAIN, "x".getBytes(StandardCharsets.UTF_8)),
                HttpStatus.CONFLICT, "too-many-documents");
    }

    @Test
    void malformedJsonIsABadRequest() {
        byte[] body = expectProblem(client.post().uri("/v1/matters")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"name\": ")
                        .exchange(),
                HttpStatus.BAD_REQUEST, "malformed-body");
        assertThat(new String(body, StandardCharsets.UTF_8)).doesNotContain("at io.", "at org.", "Exception");
    }

    @Test
    void nameWithControlCharactersIsABadRequest() {
        expectProblem(client.post().uri("/v1/matters")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"name\": \"bad\\u0000name\"}")
                        .exchange(),
                HttpStatus.BAD_REQUEST, "invalid-name");
    }

    @Test
    void wrongMediaTypesAreUnsupported() {
        expectProblem(client.post().uri("/v1/matters")
                        .contentType(MediaType.TEXT_PLAIN)
                        .bodyValue("name")
                        .exchange(),
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
        String matterId = createMatter(null);
        expectProblem(client.post().uri("/v1/matters/{id}/documents", matterId)
                        .contentType(MediaType.APPLICATION_PDF)
                        .bodyValue("%PDF-1.7".getBytes(StandardCharsets.US_ASCII))
                        .exchange(),
                HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    }

    @Test
    void multipartWithoutFilePartIsABadRequest() {
        String matterId = createMatter(null);
        MultipartBodyBuilder parts = new MultipartBodyBuilder();
        parts.part("document", "not the file part");
        expectProblem(client.post().uri("/v1/matters/{id}/documents", matterId)
                        .body(BodyInserters.fromMultipartData(parts.build()))
                        .exchange(),
                HttpStatus.BAD_REQUEST, "missing-file-part");
    }

    @Test
    void wrongMethodAndUnknownPathAreProblems() {
        expectProblem(client.method(HttpMethod.PUT).uri("/v1/matters/m-x/seal").exchange(),
                HttpStatus.METHOD_NOT_ALLOWED, "method-not-allowed");
        client.method(HttpMethod.PUT).uri("/v1/matters/m-x/seal").exchange()
                .expectHeader().value(HttpHeaders.ALLOW, allow -> assertThat(allow).contains("POST"));
        expectProblem(client.get().uri("/v1/nothing-here").exchange(), HttpStatus.NOT_FOUND, "not-found");
    }

    @Test
    void resultIsNotReadyUntilWrittenThenStreamed() {
        String matterId = createMatter(null);
        expectProblem(client.get().uri("/v1/matters/{id}/result", matterId).exchange(), HttpStatus.NOT_FOUND,
                "result-not-ready");

        byte[] result = ("{\"matterId\":\"" + matterId + "\",\"status\":\"COMPLETED\"}").getBytes(StandardCharsets.UTF_8);
        blobs.putBytes(BlobPaths.matterResult(matterId), result, PutCondition.none()).block(Duration.ofSeconds(5));

        client.get().uri("/v1/matters/{id}/result", matterId).exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody(byte[].class).isEqualTo(result);
    }

    @Test
    void statusCombinesTheManifestWithTheAggregatorsProgress() throws Exception {
        String matterId = createMatter("with progress");
        String first = uploadExpectingCreated(matterId, "a.pdf", "%PDF-1.7 a".getBytes(StandardCharsets.UTF_8));
        String second = uploadExpectingCreated(matterId, "b.pdf", "%PDF-1.7 b".getBytes(StandardCharsets.UTF_8));
        client.post().uri("/v1/matters/{id}/seal", matterId).exchange().expectStatus().isAccepted();

        DocumentProgress firstProgress = DocumentProgress.empty(matterId, first)
                .withSplit("pdf", 3, null)
                .withPageExtracted(1)
                .withPageFailed(2, new FailureNote("model-timeout", "no answer"));
        DocumentProgress secondProgress = DocumentProgress.empty(matterId, second)
                .withDocumentFailure(new FailureNote("encrypted-pdf", "The PDF is encrypted"));
        writeJson(BlobPaths.documentProgress(matterId, first), firstProgress);
        writeJson(BlobPaths.documentProgress(matterId, second), secondProgress);
        writeJson(BlobPaths.matterProgress(matterId), new MatterProgress(matterId,
                List.of(new SealedDocument(first, "a.pdf"), new SealedDocument(second, "b.pdf")),
                Map.of(), MatterStatus.PROCESSING, null));

        client.get().uri("/v1/matters/{id}", matterId).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("PROCESSING")
                .jsonPath("$.documents[0].status").isEqualTo("EXTRACTING")
                .jsonPath("$.documents[0].kind").isEqualTo("pdf")
                .jsonPath("$.documents[0].pageCount").isEqualTo(3)
                .jsonPath("$.documents[0].pagesDone").isEqualTo(1)
                .jsonPath("$.documents[0].pagesFailed").isEqualTo(1)
                .jsonPath("$.documents[1].status").isEqualTo("FAILED")
                .jsonPath("$.documents[1].failure.reason").isEqualTo("encrypted-pdf")
                .jsonPath("$.totals.documents").isEqualTo(2)
                .jsonPath("$.totals.documentsSettled").isEqualTo(1)
                .jsonPath("$.totals.pageCount").isEqualTo(3)
                .jsonPath("$.totals.pagesDone").isEqualTo(1)
                .jsonPath("$.totals.pagesFailed").isEqualTo(1);

        Instant completedAt = Instant.parse("2026-01-02T03:04:05Z");
        writeJson(BlobPaths.matterProgress(matterId), new MatterProgress(matterId,
                List.of(new SealedDocument(first, "a.pdf"), new SealedDocument(second, "b.pdf")),
                Map.of(), MatterStatus.PARTIAL, completedAt));
        client.get().uri("/v1/matters/{id}", matterId).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("PARTIAL")
                .jsonPath("$.resultReady").isEqualTo(true)
                .jsonPath("$.completedAt").isEqualTo("2026-01-02T03:04:05Z");
    }

    // --- hostile input (the splitter-level cases are in page-splitter: PdfSplitterTests too-many-pages and
    // page-text-too-large, AnalyzeResultSplitterTests and DocumentSplitHandlerTests json-limits-exceeded, and
    // DocumentSplitHandlerTests for content sniffing)

    @Test
    void unknownFieldsInAJsonBodyAreRefusedNotIgnored() {
        byte[] body = expectProblem(client.post().uri("/v1/matters")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"nmae\": \"Acme\"}")
                        .exchange(),
                HttpStatus.BAD_REQUEST, "unknown-field");
        assertThat(new String(body, StandardCharsets.UTF_8)).contains("nmae").doesNotContain("io.matterpipeline");
    }

    @Test
    void jsonNestedTenThousandDeepIsRefusedWithoutHarm() {
        String deep = "{\"name\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        expectProblem(client.post().uri("/v1/matters").contentType(MediaType.APPLICATION_JSON).bodyValue(deep)
                .exchange(), HttpStatus.BAD_REQUEST, "malformed-body");
        // Past the JSON body limit (64 KB) it is not even parsed.
        String huge = "{\"name\":" + "[".repeat(40_000) + "]".repeat(40_000) + "}";
        expectProblem(client.post().uri("/v1/matters").contentType(MediaType.APPLICATION_JSON).bodyValue(huge)
                .exchange(), HttpStatus.CONTENT_TOO_LARGE, "request-too-large");
        // The server is fine afterwards.
        createMatter("after the deep JSON");
    }

    @Test
    void idsThatAreNotIdsAreBadRequestsOnEveryMatterEndpoint() {
        for (String id : List.of("..", "x".repeat(65), "a\tb", "a\u007fb", "-leading-dash")) {
            expectProblem(client.post().uri("/v1/matters/{id}/cancel", id).exchange(), HttpStatus.BAD_REQUEST,
                    "invalid-id");
            expectProblem(client.post().uri("/v1/matters/{id}/archive", id).exchange(), HttpStatus.BAD_REQUEST,
                    "invalid-id");
            expectProblem(client.delete().uri("/v1/matters/{id}", id).exchange(), HttpStatus.BAD_REQUEST,
                    "invalid-id");
            expectProblem(client.get().uri("/v1/matters/{id}/result", id).exchange(), HttpStatus.BAD_REQUEST,
                    "invalid-id");
            expectProblem(client.get().uri("/v1/matters/{id}/events", id).exchange(), HttpStatus.BAD_REQUEST,
                    "invalid-id");
        }
        // A path that climbs out is not a route at all.
        expectProblem(client.get().uri("/v1/matters/../tokens").exchange(), HttpStatus.NOT_FOUND, "not-found");
    }

    @Test
    void anOversizedUploadIsAnsweredBeforeItsBodyIsSent() throws IOException {
        String matterId = createMatter(null);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            // Declares 10 GB and sends only the first few bytes: the answer must come without the rest.
            String head = "POST /v1/matters/" + matterId + "/documents HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + port + "\r\n"
                    + "Authorization: Bearer " + tenantToken + "\r\n"
                    + "Content-Type: multipart/form-data; boundary=B0undary\r\n"
                    + "Content-Length: 10737418240\r\n\r\n"
                    + "--B0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.bin\"\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.BufferedReader response = new java.io.BufferedReader(new java.io.InputStreamReader(
                    socket.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(response.readLine()).startsWith("HTTP/1.1 413");
            String line;
            boolean problem = false;
            while ((line = response.readLine()) != null && !line.isEmpty()) {
                problem |= line.toLowerCase(java.util.Locale.ROOT).startsWith("content-type: application/problem+json");
            }
            assertThat(problem).isTrue();
        }
        assertThat(blobPaths(matterId)).containsExactly(BlobPaths.matterManifest(matterId));
    }

    @Test
    void aLyingContentTypeIsRecordedAsAClaimAndTheBytesAreKeptForSniffing() {
        String matterId = createMatter(null);
        byte[] text = "This is plain text pretending to be a PDF.".getBytes(StandardCharsets.UTF_8);
        String body = upload(matterId, "contract.pdf", MediaType.APPLICATION_PDF, text)
                .expectStatus().isCreated()
                .expectBody(String.class).returnResult().getResponseBody();
        String documentId = jsonField(body, "documentId");
        // Recorded as what it is, a claim; the page-splitter decides by the bytes.
        assertThat(jsonField(body, "declaredContentType")).isEqualTo("application/pdf");
        assertThat(blobs.read(BlobPaths.documentSource(matterId, documentId)).block(Duration.ofSeconds(5)).bytes())
                .isEqualTo(text);
        assertThat(awaitMessages(matterId, received -> received.stream().anyMatch(DocumentReceived.class::isInstance)))
                .contains(new DocumentReceived(matterId, documentId, "contract.pdf",
                        BlobPaths.documentSource(matterId, documentId), text.length, "application/pdf"));
        // A content type with control characters is cleaned, not echoed.
        String odd = upload(matterId, "x.bin", MediaType.parseMediaType("application/x-odd"), text)
                .expectStatus().isCreated().expectBody(String.class).returnResult().getResponseBody();
        assertThat(jsonField(odd, "declaredContentType")).isEqualTo("application/x-odd");
    }

    // --- lifecycle: cancel, delete, archive, list, events, OpenAPI

    @Test
    void cancelEndsTheMatterCancelledWithAResultAndRefusesMore() {
        String matterId = createMatter("to cancel");
        String first = uploadExpectingCreated(matterId, "a.txt", "alpha".getBytes(StandardCharsets.UTF_8));
        String second = uploadExpectingCreated(matterId, "b.txt", "beta".getBytes(StandardCharsets.UTF_8));
        client.post().uri("/v1/matters/{id}/seal", matterId).exchange().expectStatus().isAccepted();
        // The first document settled before the cancel; the second was still being read.
        writeJson(BlobPaths.matterProgress(matterId), new MatterProgress(matterId,
                List.of(new SealedDocument(first, "a.txt"), new SealedDocument(second, "b.txt")),
                Map.of(first, DocumentStatus.COMPLETED), MatterStatus.PROCESSING, null));

        client.post().uri("/v1/matters/{id}/cancel", matterId).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.state").isEqualTo("CANCELLED")
                .jsonPath("$.status").isEqualTo("CANCELLED")
                .jsonPath("$.resultReady").isEqualTo(true)
                .jsonPath("$.documents[0].status").isEqualTo("COMPLETED")
                .jsonPath("$.documents[1].status").isEqualTo("CANCELLED");

        client.get().uri("/v1/matters/{id}/result", matterId).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("CANCELLED")
                .jsonPath("$.summary.documentsCompleted").isEqualTo(1)
                .jsonPath("$.summary.documentsCancelled").isEqualTo(1)
                .jsonPath("$.documents[1].documentId").isEqualTo(second)
                .jsonPath("$.documents[1].status").isEqualTo("CANCELLED");
        MatterProgress progress = MessageCodec.mapper().readValue(blobs.read(BlobPaths.matterProgress(matterId))
                .block(Duration.ofSeconds(5)).bytes(), MatterProgress.class);
        assertThat(progress.status()).as("progress is the aggregator's alone").isEqualTo(MatterStatus.PROCESSING);
        assertThat(blobs.stat(BlobPaths.matterCancellation(matterId)).block(Duration.ofSeconds(5)))
                .as("the workers see the cancel marker").isNotNull();
        assertThat(blobs.stat(BlobPaths.matterResult(matterId)).block(Duration.ofSeconds(5)).metadata())
                .as("the aggregator sees the CANCELLED result")
                .containsEntry(BlobPaths.RESULT_STATUS, MatterStatus.CANCELLED.name());
        assertThat(awaitMessages(matterId, received -> received.stream().anyMatch(MatterCompleted.class::isInstance)))
                .contains(new MatterCompleted(matterId, "CANCELLED", BlobPaths.matterResult(matterId)));

        expectProblem(upload(matterId, "late.txt", MediaType.TEXT_PLAIN, "late".getBytes(StandardCharsets.UTF_8)),
                HttpStatus.CONFLICT, "matter-cancelled");
        expectProblem(client.post().uri("/v1/matters/{id}/seal", matterId).exchange(), HttpStatus.CONFLICT,
                "matter-cancelled");
        // Repeating the cancel is harmless.
        client.post().uri("/v1/matters/{id}/cancel", matterId).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("CANCELLED");
    }

    @Test
    void cancellingAnOpenMatterRefusesTheSealAndAFinishedMatterCannotBeCancelled() {
        String open = createMatter(null);
        client.post().uri("/v1/matters/{id}/cancel", open).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("CANCELLED");
        expectProblem(client.post().uri("/v1/matters/{id}/seal", open).exchange(), HttpStatus.CONFLICT,
                "matter-cancelled");

        String finished = createMatter(null);
        writeJson(BlobPaths.matterProgress(finished), new MatterProgress(finished, List.of(), Map.of(),
                MatterStatus.COMPLETED, Instant.parse("2026-01-02T03:04:05Z")));
        expectProblem(client.post().uri("/v1/matters/{id}/cancel", finished).exchange(), HttpStatus.CONFLICT,
                "matter-finished");
    }

    @Test
    void deleteRemovesEveryBlobOfTheMatterButRefusesAMatterBeingProcessed() {
        String matterId = createMatter("to delete");
        String documentId = uploadExpectingCreated(matterId, "a.txt", "alpha".getBytes(StandardCharsets.UTF_8));
        client.post().uri("/v1/matters/{id}/seal", matterId).exchange().expectStatus().isAccepted();
        // What the rest of the pipeline writes under the Matter's prefix.
        writeJson(BlobPaths.page(matterId, documentId, 1), Map.of("text", "alpha"));
        writeJson(BlobPaths.documentProgress(matterId, documentId), DocumentProgress.empty(matterId, documentId));

        expectProblem(client.delete().uri("/v1/matters/{id}", matterId).exchange(), HttpStatus.CONFLICT,
                "matter-processing");
        assertThat(blobPaths(matterId)).hasSizeGreaterThan(3);

        client.post().uri("/v1/matters/{id}/cancel", matterId).exchange().expectStatus().isOk();
        client.delete().uri("/v1/matters/{id}", matterId).exchange().expectStatus().isNoContent();

        assertThat(blobPaths(matterId)).isEmpty();
        expectProblem(client.get().uri("/v1/matters/{id}", matterId).exchange(), HttpStatus.NOT_FOUND,
                "matter-not-found");
        expectProblem(client.delete().uri("/v1/matters/{id}", matterId).exchange(), HttpStatus.NOT_FOUND,
                "matter-not-found");
        String listed = client.get().uri("/v1/matters?limit=500").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(listed).doesNotContain(matterId);
    }

    @Test
    void archiveNeedsAStoreWithTiers() {
        String matterId = createMatter(null);
        // The filesystem store of these tests has no access tiers (MattersTests covers a store with tiers).
        expectProblem(client.post().uri("/v1/matters/{id}/archive", matterId).exchange(), HttpStatus.CONFLICT,
                "archive-not-supported");
    }

    @Test
    void listingPagesThroughTheTenantsMattersNewestFirst() {
        WebTestClient lister = clientWith(issueToken("lister", "matters:read", "matters:write"));
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String body = lister.post().uri("/v1/matters").exchange().expectStatus().isCreated()
                    .expectBody(String.class).returnResult().getResponseBody();
            created.add(jsonField(body, "matterId"));
            // Distinct creation millis, so the order is defined: the next Matter is created in a later millisecond.
            long createdBy = System.currentTimeMillis();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                    .until(() -> System.currentTimeMillis() > createdBy);
        }
        String firstPage = lister.get().uri("/v1/matters?limit=2").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        tools.jackson.databind.JsonNode page = MessageCodec.mapper().readTree(firstPage);
        assertThat(page.path("matters").valueStream().map(m -> m.path("matterId").asString()).toList())
                .containsExactly(created.get(2), created.get(1));
        String cursor = page.path("nextCursor").asString();
        assertThat(cursor).isNotBlank();

        lister.get().uri(uri -> uri.path("/v1/matters").queryParam("limit", 2).queryParam("cursor", cursor).build())
                .exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.matters.length()").isEqualTo(1)
                .jsonPath("$.matters[0].matterId").isEqualTo(created.get(0))
                .jsonPath("$.nextCursor").doesNotExist();

        // Another tenant's listing never shows them.
        String mine = client.get().uri("/v1/matters?limit=500").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(mine).doesNotContain(created.get(0), created.get(1), created.get(2));

        expectProblem(lister.get().uri("/v1/matters?limit=0").exchange(), HttpStatus.BAD_REQUEST, "invalid-limit");
        expectProblem(lister.get().uri("/v1/matters?limit=lots").exchange(), HttpStatus.BAD_REQUEST, "invalid-limit");
        expectProblem(lister.get().uri("/v1/matters?cursor=bm90LWEtY3Vyc29y").exchange(), HttpStatus.BAD_REQUEST,
                "invalid-cursor");
    }

    @Test
    void eventsStreamStatusSnapshotsUntilTheMatterIsFinal() {
        String matterId = createMatter("streamed");
        String documentId = uploadExpectingCreated(matterId, "a.txt", "alpha".getBytes(StandardCharsets.UTF_8));
        client.post().uri("/v1/matters/{id}/seal", matterId).exchange().expectStatus().isAccepted();
        List<SealedDocument> sealed = List.of(new SealedDocument(documentId, "a.txt"));

        Flux<ServerSentEvent<String>> events = client.get().uri("/v1/matters/{id}/events", matterId)
                .accept(MediaType.TEXT_EVENT_STREAM)
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                .getResponseBody()
                .filter(event -> event.event() != null); // heartbeats are comments

        StepVerifier.create(events)
                .assertNext(event -> {
                    assertThat(event.event()).isEqualTo("status");
                    assertThat(jsonField(event.data(), "status")).isEqualTo("PROCESSING");
                    // Off the client's event loop: the test's writes block.
                    Schedulers.boundedElastic().schedule(() -> writeJson(
                            BlobPaths.documentProgress(matterId, documentId),
                            DocumentProgress.empty(matterId, documentId).withSplit("text", 2, null)
                                    .withPageExtracted(1)));
                })
                .assertNext(event -> {
                    assertThat(MessageCodec.mapper().readTree(event.data()).path("totals").path("pagesDone").asInt())
                            .isEqualTo(1);
                    Schedulers.boundedElastic().schedule(() -> writeJson(BlobPaths.matterProgress(matterId),
                            new MatterProgress(matterId, sealed, Map.of(documentId, DocumentStatus.PARTIAL),
                                    MatterStatus.PARTIAL, Instant.parse("2026-01-02T03:04:05Z"))));
                })
                .assertNext(event -> assertThat(jsonField(event.data(), "status")).isEqualTo("PARTIAL"))
                .expectComplete()
                .verify(Duration.ofSeconds(20));

        expectProblem(client.get().uri("/v1/matters/{id}/events", "m-nothere").exchange(), HttpStatus.NOT_FOUND,
                "matter-not-found");
    }

    @Test
    void theServedOpenApiDocumentDescribesExactlyTheRoutes() {
        String yaml = LoopbackClients.to(port).build()
                .get().uri("/v1/openapi.yaml").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.parseMediaType("application/yaml"))
                .expectBody(String.class).returnResult().getResponseBody();
        Map<String, Object> document = new org.yaml.snakeyaml.Yaml().load(yaml);
        assertThat(document.get("openapi")).asString().startsWith("3.");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) document.get("paths");
        java.util.Set<String> documented = new java.util.TreeSet<>();
        paths.forEach((path, operations) -> operations.keySet().stream()
                .filter(key -> List.of("get", "post", "put", "delete", "patch").contains(key))
                .forEach(method -> documented.add(method.toUpperCase(java.util.Locale.ROOT) + " " + path)));

        assertThat(documented).isEqualTo(RouteList.of(routes));
    }

    // --- helpers

    private WebTestClient clientWith(String token) {
        return LoopbackClients.to(port)
                .responseTimeout(Duration.ofSeconds(20))
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .build();
    }

    /** Issues a token with the bootstrap admin token; returns the secret. */
    private String issueToken(String tenant, String... scopes) {
        String body = clientWith(ADMIN_TOKEN).post().uri("/v1/tokens")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("tenant", tenant, "scopes", List.of(scopes)))
                .exchange()
                .expectStatus().isCreated()
                .expectBody(String.class).returnResult().getResponseBody();
        return jsonField(body, "token");
    }

    private String createMatter(String name) {
        WebTestClient.RequestBodySpec request = client.post().uri("/v1/matters");
        WebTestClient.ResponseSpec response = name == null ? request.exchange()
                : request.contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", name)).exchange();
        String body = response.expectStatus().isCreated().expectBody(String.class).returnResult().getResponseBody();
        return jsonField(body, "matterId");
    }

    private WebTestClient.ResponseSpec upload(String matterId, String fileName, MediaType type, byte[] content) {
        MultipartBodyBuilder parts = new MultipartBodyBuilder();
        parts.part("file", content).filename(fileName).contentType(type);
        return client.post().uri("/v1/matters/{id}/documents", matterId)
                .body(BodyInserters.fromMultipartData(parts.build()))
                .exchange();
    }

    private String uploadExpectingCreated(String matterId, String fileName, byte[] content) {
        String body = upload(matterId, fileName, MediaType.APPLICATION_OCTET_STREAM, content)
                .expectStatus().isCreated()
                .expectBody(String.class).returnResult().getResponseBody();
        return jsonField(body, "documentId");
    }

    /** Asserts an RFC 9457 problem with the given status and type; returns the body. */
    private static byte[] expectProblem(WebTestClient.ResponseSpec response, HttpStatus status, String reason) {
        return response.expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo(ProblemDetailsHandler.TYPE_BASE + reason)
                .jsonPath("$.status").isEqualTo(status.value())
                .jsonPath("$.title").isNotEmpty()
                .jsonPath("$.detail").isNotEmpty()
                .jsonPath("$.instance").value(instance -> assertThat((String) instance).startsWith("/v1/"))
                .returnResult().getResponseBodyContent();
    }

    private List<String> blobPaths(String matterId) {
        return blobs.list(BlobPaths.matterPrefix(matterId)).map(BlobInfo::path).collectList()
                .block(Duration.ofSeconds(5));
    }

    private void writeJson(String path, Object value) {
        blobs.putBytes(path, MessageCodec.mapper().writeValueAsBytes(value), PutCondition.none())
                .block(Duration.ofSeconds(5));
    }

    private static String jsonField(String json, String field) {
        return MessageCodec.mapper().readTree(json).path(field).asString();
    }

    private static List<PipelineMessage> awaitMessages(String matterId, Predicate<List<PipelineMessage>> complete) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<PipelineMessage> received = List.of();
        while (System.nanoTime() < deadline) {
            received = new ArrayList<>(RECEIVED.getOrDefault(matterId, List.of()));
            if (complete.test(received)) {
                return received;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("Messages of Matter " + matterId + " did not arrive; received: " + received);
    }

    private static byte[] multipartBody(String boundary, String fileName, byte[] content) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return body.toByteArray();
    }
}
