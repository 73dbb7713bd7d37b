package io.matterpipeline.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.contract.ItemsIndex;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.ingest.IngestApplication;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
import tools.jackson.databind.node.ArrayNode;

/**
 * {@code GET /v1/matters/{id}/items[/{field}]} and the per-document variant: the merged items field by field and page
 * by page, read from the chunks the aggregator keeps (written here as it writes them: this service has no aggregator).
 */
@SpringBootTest(classes = IngestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"matter-pipeline.admin-token=" + ItemsApiTests.ADMIN_TOKEN,
                "matter-pipeline.ingest.requests.enabled=false",
                "matter-pipeline.ingest.auth.requests-per-minute=100000"})
@DirtiesContext
class ItemsApiTests {

    static {
        NonBlockingThreads.enforce();
    }

    static final String ADMIN_TOKEN = "items-api-tests-bootstrap-admin-0123456789";
    /** The filesystem store's root; deleted after the class, once its context is closed. */
    @TempDir
    static Path storeRoot;
    private static final int CASES = 250;

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
    void prepareAMatterWithItems() {
        reader = client(issue("acme", "matters:read", "matters:write"));
        matterId = ApiCalls.field(reader.post().uri("/v1/matters").exchange().expectStatus().isCreated(), "matterId");
        MultipartBodyBuilder parts = new MultipartBodyBuilder();
        parts.part("file", "text".getBytes(StandardCharsets.UTF_8)).filename("filing.txt")
                .contentType(MediaType.TEXT_PLAIN);
        documentId = ApiCalls.field(reader.post().uri("/v1/matters/{id}/documents", matterId)
                .body(BodyInserters.fromMultipartData(parts.build())).exchange().expectStatus().isCreated(),
                "documentId");
        // 250 case numbers in chunks of 100 (as the aggregator keeps them), one party, a document type.
        writeItems(BlobPaths.matterItems(matterId), CASES);
        writeItems(BlobPaths.documentItems(matterId, documentId), 3);
    }

    private void writeItems(String prefix, int cases) {
        List<Integer> starts = new ArrayList<>();
        for (int start = 0, chunk = 0; start < cases; start += 100, chunk++) {
            starts.add(start);
            ArrayNode items = MessageCodec.mapper().createArrayNode();
            for (int i = start; i < Math.min(cases, start + 100); i++) {
                items.addObject().put("value", "CV-" + i).putArray("quotes");
            }
            write(BlobPaths.itemsChunk(prefix, 1, chunk), items);
        }
        ArrayNode party = MessageCodec.mapper().createArrayNode();
        party.addObject().put("name", "Acme").putArray("quotes");
        write(BlobPaths.itemsChunk(prefix, 0, 0), party);
        write(BlobPaths.itemsIndex(prefix), new ItemsIndex(List.of(
                new ItemsIndex.Field("parties", true, 1, List.of(0), null),
                new ItemsIndex.Field("caseNumbers", true, cases, starts, null),
                new ItemsIndex.Field("documentType", false, 0, List.of(),
                        MessageCodec.mapper().stringNode("complaint")))));
    }

    @Test
    void theFieldsComeWithTheirCountsAndValues() {
        JsonNode fields = reader.get().uri("/v1/matters/{id}/items", matterId).exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody().path("fields");

        assertThat(fields).hasSize(3);
        assertThat(fields.get(1).path("name").asString()).isEqualTo("caseNumbers");
        assertThat(fields.get(1).path("kind").asString()).isEqualTo("list");
        assertThat(fields.get(1).path("count").asInt()).isEqualTo(CASES);
        assertThat(fields.get(2).path("kind").asString()).isEqualTo("value");
        assertThat(fields.get(2).path("value").asString()).isEqualTo("complaint");
    }

    @Test
    void aListIsReadPageByPageWithCursorsAcrossChunks() {
        List<String> values = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            String uri = "/v1/matters/" + matterId + "/items/caseNumbers?limit=60"
                    + (cursor == null ? "" : "&cursor=" + cursor);
            JsonNode page = reader.get().uri(uri).exchange().expectStatus().isOk()
                    .expectBody(JsonNode.class).returnResult().getResponseBody();
            assertThat(page.path("total").asInt()).isEqualTo(CASES);
            assertThat(page.path("offset").asInt()).isEqualTo(values.size());
            page.path("items").forEach(item -> values.add(item.path("value").asString()));
            cursor = page.path("nextCursor").isNull() ? null : page.path("nextCursor").asString();
            pages++;
        } while (cursor != null);

        assertThat(pages).isEqualTo(5);
        assertThat(values).hasSize(CASES).startsWith("CV-0", "CV-1").endsWith("CV-249");
        assertThat(values).doesNotHaveDuplicates();
    }

    @Test
    void aDocumentsItemsAreServedTheSameWay() {
        JsonNode page = reader.get().uri("/v1/matters/{id}/documents/{d}/items/caseNumbers", matterId, documentId)
                .exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(page.path("documentId").asString()).isEqualTo(documentId);
        assertThat(page.path("items")).hasSize(3);
        assertThat(page.path("nextCursor").isNull()).isTrue();
        reader.get().uri("/v1/matters/{id}/documents/{d}/items", matterId, documentId).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.fields[1].count").isEqualTo(3);
    }

    @Test
    void missingAndWrongRequestsAreProblems() {
        String other = ApiCalls.field(reader.post().uri("/v1/matters").exchange().expectStatus().isCreated(), "matterId");
        ApiCalls.problem(reader.get().uri("/v1/matters/{id}/items", other).exchange(), 404, "items-not-ready");
        ApiCalls.problem(reader.get().uri("/v1/matters/{id}/items/nothing", matterId).exchange(), 404, "field-not-found");
        ApiCalls.problem(reader.get().uri("/v1/matters/{id}/items/documentType", matterId).exchange(), 400,
                "field-not-a-list");
        ApiCalls.problem(reader.get().uri("/v1/matters/{id}/items/caseNumbers?cursor=bogus!", matterId).exchange(), 400,
                "invalid-cursor");
        ApiCalls.problem(reader.get().uri("/v1/matters/{id}/items/caseNumbers?limit=0", matterId).exchange(), 400,
                "invalid-limit");
        ApiCalls.problem(reader.get().uri("/v1/matters/{id}/documents/{d}/items", matterId, "d-nope").exchange(), 404,
                "document-not-found");
        ApiCalls.problem(client(issue("globex", "matters:read")).get().uri("/v1/matters/{id}/items", matterId).exchange(),
                404, "matter-not-found");
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
