package io.matterpipeline.ingest.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.RawQueueConsumer;
import io.matterpipeline.ingest.IngestApplication;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.DocumentStatusView;
import io.matterpipeline.ingest.matter.MatterStatusView;
import io.matterpipeline.ingest.matter.Matters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;

/** The trigger wired by Spring in the ingest service: the webhook over HTTP and the queue consumer. */
@SpringBootTest(classes = IngestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"matter-pipeline.ingest.trigger.enabled=true",
                "matter-pipeline.ingest.trigger.max-webhook-body=16KB"})
class BlobEventWebhookTests {

    static {
        // Before the server's threads exist: a blocking call on an event loop fails the request that made it.
        NonBlockingThreads.enforce();
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String CONTAINER = "matter-pipeline";
    private static final String TENANT = IngestProperties.defaults().defaultTenant();
    private static final Path BLOB_ROOT = createTempDirectory();

    @DynamicPropertySource
    static void blobRoot(DynamicPropertyRegistry registry) {
        registry.add("matter-pipeline.blob.filesystem.root", BLOB_ROOT::toString);
    }

    @AfterAll
    static void deleteBlobRoot() throws IOException {
        try (Stream<Path> files = Files.walk(BLOB_ROOT)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    BlobStore blobs;

    @Autowired
    MessageBus bus;

    @Autowired
    Matters matters;

    @Autowired
    RawQueueConsumer ingestBlobTriggerConsumer;

    WebTestClient client;

    @BeforeEach
    void setUp() {
        client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(TIMEOUT).build();
    }

    @Test
    void answersEventGridSubscriptionValidation() {
        client.post().uri("/v1/events/blob")
                .header("aeg-event-type", "SubscriptionValidation")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(BlobEventJson.validation("512d38b6-c7b8-40c8-89fe-f46f9e9622b6"))
                .exchange()
                .expectStatus().isOk()
                .expectBody().json("{\"validationResponse\": \"512d38b6-c7b8-40c8-89fe-f46f9e9622b6\"}");
    }

    @Test
    void answersTheCloudEventsAbuseProtectionHandshake() {
        client.options().uri("/v1/events/blob")
                .header("WebHook-Request-Origin", "eventgrid.azure.net")
                .exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("WebHook-Allowed-Origin", "eventgrid.azure.net")
                .expectHeader().valueEquals("WebHook-Allowed-Rate", "*");
    }

    @Test
    void aDeliveredEventAddsTheDocument() {
        BlobInfo upload = upload("inbox/m-webhook/a.txt", "alpha");

        client.post().uri("/v1/events/blob")
                .contentType(MediaType.valueOf("application/cloudevents+json"))
                .bodyValue(BlobEventJson.cloudEvent("e-1", CONTAINER, upload.path(), upload.etag()))
                .exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.results[0].outcome").isEqualTo("ADDED")
                .jsonPath("$.results[0].matterId").isEqualTo("m-webhook");

        assertThat(matters.queries().status(TENANT, "m-webhook").block(TIMEOUT).documents())
                .extracting(DocumentStatusView::fileName)
                .containsExactly("a.txt");
    }

    @Test
    void anEventItCannotTakeIs400WithTheReasonSoEventGridDeadLettersIt() {
        expectProblem(post(BlobEventJson.eventGrid("e-1", "elsewhere", "inbox/m-1/a.txt", "0x1")),
                HttpStatus.BAD_REQUEST, "foreign-container");
        expectProblem(post(BlobEventJson.eventGrid("e-1", CONTAINER, "matters/m-1/matter.json", "0x1")),
                HttpStatus.BAD_REQUEST, "not-inbox-path");
        expectProblem(post(BlobEventJson.text("{\"not\": \"an event\"}")), HttpStatus.BAD_REQUEST,
                "malformed-event");
        expectProblem(post(new byte[32 * 1024]), HttpStatus.CONTENT_TOO_LARGE, "request-too-large");
        client.method(HttpMethod.GET).uri("/v1/events/blob").exchange()
                .expectStatus().isEqualTo(HttpStatus.METHOD_NOT_ALLOWED);
    }

    @Test
    void theQueueConsumerRunsAndHandlesEventsFromTheQueue() {
        assertThat(ingestBlobTriggerConsumer.isRunning()).isTrue();
        BlobInfo upload = upload("inbox/m-queue/a.txt", "alpha");

        bus.publish("blob-events", new OutboundMessage("e-queue", null,
                BlobEventJson.eventGrid("e-queue", CONTAINER, upload.path(), upload.etag()), Map.of())).block(TIMEOUT);

        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        MatterStatusView status = null;
        while (System.nanoTime() < deadline && status == null) {
            status = matters.queries().status(TENANT, "m-queue")
                    .onErrorResume(error -> reactor.core.publisher.Mono.empty())
                    .block(TIMEOUT);
            sleep();
        }
        assertThat(status).isNotNull();
        assertThat(status.documents()).hasSize(1);
    }

    private WebTestClient.ResponseSpec post(byte[] body) {
        return client.post().uri("/v1/events/blob").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange();
    }

    private static void expectProblem(WebTestClient.ResponseSpec response, HttpStatus status, String reason) {
        response.expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").value(type -> assertThat((String) type).endsWith("/" + reason))
                .jsonPath("$.detail").isNotEmpty();
    }

    private BlobInfo upload(String path, String content) {
        return blobs.put(path, Flux.just(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8))),
                PutCondition.none(), Map.of()).block(TIMEOUT);
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static Path createTempDirectory() {
        try {
            return Files.createTempDirectory("blob-trigger-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
