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
import io.matterpipeline.ingest.access.EntraIssuer;
import io.matterpipeline.ingest.matter.DocumentStatusView;
import io.matterpipeline.ingest.matter.MatterStatusView;
import io.matterpipeline.ingest.matter.Matters;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;

/**
 * The trigger wired by Spring in the ingest service: the webhook over HTTP (authenticated by the shared secret or
 * Event Grid's Entra token, both configured here) and the queue consumer.
 */
@SpringBootTest(classes = IngestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"matter-pipeline.ingest.trigger.enabled=true",
                "matter-pipeline.ingest.trigger.max-webhook-body=16KB",
                "matter-pipeline.ingest.trigger.webhook-secret=" + BlobEventWebhookTests.SECRET,
                "matter-pipeline.ingest.trigger.webhook-audience=" + BlobEventWebhookTests.WEBHOOK_AUDIENCE,
                "matter-pipeline.ingest.auth.entra.issuer=" + EntraIssuer.ISSUER,
                "matter-pipeline.ingest.auth.entra.audience=" + EntraIssuer.AUDIENCE})
@DirtiesContext
class BlobEventWebhookTests {

    static {
        // Before the server's threads exist: a blocking call on an event loop fails the request that made it.
        NonBlockingThreads.enforce();
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String CONTAINER = "matter-pipeline";
    private static final String TENANT = IngestProperties.defaults().defaultTenant();
    static final String SECRET = "blob-webhook-tests-secret-0123456789";
    static final String WEBHOOK_AUDIENCE = "api://matter-pipeline-blob-webhook";
    static final String EVENT_GRID_ROLE = "AzureEventGridSecureWebhookSubscriber";
    /** The filesystem store's root; deleted after the class, once its context is closed. */
    @TempDir
    static Path storeRoot;
    private static final EntraIssuer ENTRA = EntraIssuer.start();

    @DynamicPropertySource
    static void blobRoot(DynamicPropertyRegistry registry) {
        registry.add("matter-pipeline.blob.filesystem.root", () -> storeRoot.toString());
        registry.add("matter-pipeline.ingest.auth.entra.jwk-set-uri", ENTRA::jwkSetUri);
    }

    @AfterAll
    static void stopEntra() {
        ENTRA.close();
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
        client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(TIMEOUT)
                .defaultHeader(WebhookAuthentication.HEADER, SECRET).build();
    }

    /** Ways to call the webhook, and whether Event Grid could have made the call. */
    enum Credential {
        NONE(false), SECRET_IN_QUERY(true), SECRET_IN_HEADER(true), WRONG_SECRET_IN_QUERY(false),
        WRONG_SECRET_IN_HEADER(false), SECRET_TWICE(false), EVENT_GRID_TOKEN(true), TOKEN_WITHOUT_ROLE(false),
        API_TOKEN(false), EXPIRED_TOKEN(false), MPT_LOOKING_TOKEN(false);

        final boolean accepted;

        Credential(boolean accepted) {
            this.accepted = accepted;
        }
    }

    /** The three kinds of request Event Grid makes. */
    enum Call { SUBSCRIPTION_VALIDATION, CLOUDEVENTS_HANDSHAKE, BLOB_CREATED }

    static Stream<org.junit.jupiter.params.provider.Arguments> webhookMatrix() {
        return Stream.of(Credential.values()).flatMap(credential -> Stream.of(Call.values())
                .map(call -> org.junit.jupiter.params.provider.Arguments.of(call, credential)));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} with {1}")
    @org.junit.jupiter.params.provider.MethodSource("webhookMatrix")
    void theWebhookServesEventGridOnlyHandshakesIncluded(Call call, Credential credential) {
        String matterId = "m-matrix-" + call.ordinal() + "-" + credential.ordinal();
        BlobInfo upload = upload("inbox/" + matterId + "/a.txt", "alpha");
        String query = switch (credential) {
            case SECRET_IN_QUERY -> "?code=" + SECRET;
            case WRONG_SECRET_IN_QUERY -> "?code=" + SECRET.substring(1) + "x";
            case SECRET_TWICE -> "?code=" + SECRET;
            default -> "";
        };
        WebTestClient.RequestBodySpec request = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(TIMEOUT).build()
                .method(call == Call.CLOUDEVENTS_HANDSHAKE ? HttpMethod.OPTIONS : HttpMethod.POST)
                .uri("/v1/events/blob" + query);
        switch (credential) {
            case SECRET_IN_HEADER -> request.header(WebhookAuthentication.HEADER, SECRET);
            case WRONG_SECRET_IN_HEADER -> request.header(WebhookAuthentication.HEADER, SECRET + "x");
            case SECRET_TWICE -> request.header(WebhookAuthentication.HEADER, "another-secret-of-some-length");
            case EVENT_GRID_TOKEN -> request.headers(h -> h.setBearerAuth(ENTRA.token().audience(WEBHOOK_AUDIENCE)
                    .roles(EVENT_GRID_ROLE).sign()));
            case TOKEN_WITHOUT_ROLE -> request.headers(h -> h.setBearerAuth(ENTRA.token().audience(WEBHOOK_AUDIENCE)
                    .roles("Matters.Write").sign()));
            case API_TOKEN -> request.headers(h -> h.setBearerAuth(ENTRA.token("acme", EVENT_GRID_ROLE,
                    "Matters.Write")));
            case EXPIRED_TOKEN -> request.headers(h -> h.setBearerAuth(ENTRA.token().audience(WEBHOOK_AUDIENCE)
                    .roles(EVENT_GRID_ROLE).expiresAt(java.time.Instant.now().minusSeconds(600)).sign()));
            case MPT_LOOKING_TOKEN -> request.headers(h -> h.setBearerAuth("mpt.t-0000000000000000000.secret"));
            default -> { }
        }
        WebTestClient.ResponseSpec response = switch (call) {
            case SUBSCRIPTION_VALIDATION -> request.contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(BlobEventJson.validation("code-" + matterId)).exchange();
            case CLOUDEVENTS_HANDSHAKE -> request.header(BlobEventWebhook.REQUEST_ORIGIN, "eventgrid.azure.net")
                    .exchange();
            case BLOB_CREATED -> request.contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(BlobEventJson.eventGrid("e-" + matterId, CONTAINER, upload.path(), upload.etag()))
                    .exchange();
        };

        if (credential.accepted) {
            response.expectStatus().isOk();
        } else {
            int status = credential == Credential.TOKEN_WITHOUT_ROLE ? 403 : 401;
            response.expectStatus().isEqualTo(status)
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectHeader().doesNotExist(BlobEventWebhook.ALLOWED_ORIGIN)
                    .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE,
                            challenge -> assertThat(challenge).startsWith("Bearer realm=\"matter-pipeline\""))
                    .expectBody().jsonPath("$.validationResponse").doesNotExist();
        }
        // Only an accepted BlobCreated acts; nothing else creates the Matter.
        boolean acted = credential.accepted && call == Call.BLOB_CREATED;
        assertThat(blobs.list("matters/" + matterId + "/").collectList().block(TIMEOUT)).as("Matter blobs")
                .matches(list -> acted != list.isEmpty());
    }

    @Test
    void aForgedBlobCreatedForAMissingMarkerIsRefusedAndSealsNothing() {
        BlobInfo upload = upload("inbox/m-forged-seal/a.txt", "alpha");
        post(BlobEventJson.eventGrid("e-doc", CONTAINER, upload.path(), upload.etag())).expectStatus().isOk();

        expectProblem(post(BlobEventJson.eventGrid("e-seal", CONTAINER, "inbox/m-forged-seal/_SEALED", "0x1")),
                HttpStatus.BAD_REQUEST, "blob-not-found");
        expectProblem(post(BlobEventJson.eventGrid("e-doc2", CONTAINER, "inbox/m-forged-seal/b.txt", "0x1")),
                HttpStatus.BAD_REQUEST, "blob-not-found");

        MatterStatusView status = matters.queries().status(TENANT, "m-forged-seal").block(TIMEOUT);
        assertThat(status.state()).isEqualTo(io.matterpipeline.ingest.matter.MatterState.OPEN);
        assertThat(status.documents()).hasSize(1);
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
        // The Matter exists a moment before its document is added: wait for the document.
        while (System.nanoTime() < deadline && (status == null || status.documents().isEmpty())) {
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
}
