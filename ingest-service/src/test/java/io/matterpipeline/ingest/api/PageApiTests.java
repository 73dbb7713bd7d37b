package io.matterpipeline.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.ingest.IngestApplication;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /v1/matters/{id}/documents/{documentId}/pages/{pageNumber}}: what the review page reads. The page and
 * extraction blobs are written here as the splitter and the worker write them (this service has neither).
 */
@SpringBootTest(classes = IngestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"matter-pipeline.admin-token=" + PageApiTests.ADMIN_TOKEN,
                "matter-pipeline.ingest.requests.enabled=false",
                "matter-pipeline.splitter.low-confidence-threshold=0.9",
                "matter-pipeline.ingest.auth.requests-per-minute=100000"})
@DirtiesContext
class PageApiTests {

    static {
        NonBlockingThreads.enforce();
    }

    static final String ADMIN_TOKEN = "page-api-tests-bootstrap-admin-0123456789";
    /** The filesystem store's root; deleted after the class, once its context is closed. */
    @TempDir
    static Path storeRoot;

    @DynamicPropertySource
    static void blobRoot(DynamicPropertyRegistry registry) {
        registry.add("matter-pipeline.blob.filesystem.root", () -> storeRoot.toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    BlobStore blobs;

    private WebTestClient reader;
    private String matterId;
    private String documentId;

    @BeforeEach
    void prepareAMatterWithOneOcrPage() {
        String token = issue("acme", "matters:read", "matters:write");
        reader = client(token);
        matterId = ApiCalls.field(reader.post().uri("/v1/matters").exchange().expectStatus().isCreated(), "matterId");
        MultipartBodyBuilder parts = new MultipartBodyBuilder();
        parts.part("file", "ignored".getBytes(StandardCharsets.UTF_8)).filename("order.ocr.json")
                .contentType(MediaType.APPLICATION_JSON);
        documentId = ApiCalls.field(reader.post().uri("/v1/matters/{id}/documents", matterId)
                .body(BodyInserters.fromMultipartData(parts.build())).exchange().expectStatus().isCreated(),
                "documentId");
        write(BlobPaths.page(matterId, documentId, 1), new PageContent(matterId, documentId, 1, 2, "analyze-result",
                "Hearing on 3 March", List.of(new PageContent.Word("Hearing", 0.99, 0),
                        new PageContent.Word("on", 0.95, 8), new PageContent.Word("3", 0.41, 11),
                        new PageContent.Word("March", 0.97, 13)),
                0.83, 0.41, 0.25, "", ""));
    }

    @Test
    void aPageNotReadYetHasItsTextAndWordsAndNoExtraction() {
        JsonNode page = get(1).expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(page.path("fileName").asString()).isEqualTo("order.ocr.json");
        assertThat(page.path("pageNumber").asInt()).isEqualTo(1);
        assertThat(page.path("pageCount").asInt()).isEqualTo(2);
        assertThat(page.path("text").asString()).isEqualTo("Hearing on 3 March");
        assertThat(page.path("words")).hasSize(4);
        assertThat(page.path("words").get(2).path("confidence").asDouble()).isEqualTo(0.41);
        assertThat(page.path("words").get(2).path("offset").asInt()).isEqualTo(11);
        assertThat(page.path("lowConfidenceThreshold").asDouble()).isEqualTo(0.9);
        assertThat(page.path("extraction").isNull()).isTrue();
    }

    @Test
    void aReadPageCarriesTheExtraction() {
        JsonNode extraction = MessageCodec.mapper().readTree(
                "{\"dates\":[{\"date\":\"2026-03-03\",\"description\":\"Hearing\",\"quote\":\"Hearing on 3 March\"}]}");
        write(BlobPaths.extraction(matterId, documentId, 1), new PageExtraction(matterId, documentId, 1, "simulated",
                extraction, new PageExtraction.Usage(10, 5, 3, 1), List.of("a warning")));

        JsonNode page = get(1).expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(page.path("extraction").path("dates").get(0).path("quote").asString())
                .isEqualTo("Hearing on 3 March");
        assertThat(page.path("model").asString()).isEqualTo("simulated");
        assertThat(page.path("warnings").get(0).asString()).isEqualTo("a warning");
    }

    @Test
    void missingPagesDocumentsAndBadNumbersAreProblems() {
        ApiCalls.problem(get(2), 404, "page-not-found");
        ApiCalls.problem(reader.get().uri("/v1/matters/{id}/documents/{d}/pages/1", matterId, "nope").exchange(), 404,
                "document-not-found");
        ApiCalls.problem(reader.get().uri("/v1/matters/{id}/documents/{d}/pages/0", matterId, documentId).exchange(), 400,
                "invalid-page-number");
        ApiCalls.problem(reader.get().uri("/v1/matters/{id}/documents/{d}/pages/x", matterId, documentId).exchange(), 400,
                "invalid-page-number");
    }

    @Test
    void anotherTenantSeesNoPage() {
        WebTestClient other = client(issue("globex", "matters:read"));

        ApiCalls.problem(other.get().uri("/v1/matters/{id}/documents/{d}/pages/1", matterId, documentId).exchange(), 404,
                "matter-not-found");
    }

    private WebTestClient.ResponseSpec get(int pageNumber) {
        return reader.get().uri("/v1/matters/{id}/documents/{d}/pages/{n}", matterId, documentId, pageNumber)
                .exchange();
    }

    private void write(String path, Object body) {
        blobs.putBytes(path, MessageCodec.mapper().writeValueAsBytes(body), PutCondition.none())
                .block(Duration.ofSeconds(10));
    }

    private String issue(String tenant, String... scopes) {
        return ApiCalls.issue(port, ADMIN_TOKEN, tenant, scopes);
    }

    private WebTestClient client(String token) {
        return ApiCalls.client(port, token);
    }
}
