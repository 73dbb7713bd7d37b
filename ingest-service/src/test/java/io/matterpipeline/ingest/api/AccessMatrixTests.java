package io.matterpipeline.ingest.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.ingest.IngestApplication;
import io.matterpipeline.ingest.access.EntraIssuer;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.progress.MatterStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * The authorization matrix: every endpoint against every kind of credential, with the status each cell must answer.
 * Credentials: none, a malformed or unknown token, an expired one, a revoked one, one token per scope of tenant
 * {@value #TENANT}, and a token of another tenant holding every scope; then the same as Entra ID access tokens (one
 * per app role, an expired one, one without a role, one of another tenant with every role), signed with keys made
 * here and served on loopback by {@link EntraIssuer}. A cell that passes authorization answers what the endpoint
 * answers for a prepared Matter of {@value #TENANT} (201, 200, 202, 204, or 409 for archiving on a store without
 * tiers), so each cell shows that the filter let the request through, not only that it did not refuse it. A cell
 * that is refused leaves every blob of the store and every queue exactly as they were, and a token it tried to
 * revoke still works.
 */
@SpringBootTest(classes = IngestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"matter-pipeline.admin-token=" + AccessMatrixTests.ADMIN_TOKEN,
                "matter-pipeline.ingest.auth.requests-per-minute=100000",
                "matter-pipeline.ingest.requests.enabled=false",
                "matter-pipeline.ingest.auth.entra.issuer=" + EntraIssuer.ISSUER,
                "matter-pipeline.ingest.auth.entra.audience=" + EntraIssuer.AUDIENCE})
@DirtiesContext
class AccessMatrixTests {

    static {
        NonBlockingThreads.enforce();
    }

    static final String ADMIN_TOKEN = "access-matrix-tests-bootstrap-admin-0123456789";
    static final String TENANT = "acme";
    static final String OTHER = "globex";
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

    enum Credential {
        NONE, BAD, EXPIRED, REVOKED, READ, WRITE, ADMIN, OTHER_TENANT,
        ENTRA_EXPIRED, ENTRA_NO_ROLE, ENTRA_READ, ENTRA_WRITE, ENTRA_ADMIN, ENTRA_OTHER_TENANT
    }

    enum Scope { READ, WRITE, ADMIN }

    /** Every endpoint: method, path, the scope it needs, and what it answers when authorized. */
    enum Endpoint {
        CREATE_MATTER(HttpMethod.POST, "/v1/matters", Scope.WRITE, 201),
        LIST_MATTERS(HttpMethod.GET, "/v1/matters", Scope.READ, 200),
        GET_MATTER(HttpMethod.GET, "/v1/matters/{id}", Scope.READ, 200),
        DELETE_MATTER(HttpMethod.DELETE, "/v1/matters/{id}", Scope.WRITE, 204),
        UPLOAD(HttpMethod.POST, "/v1/matters/{id}/documents", Scope.WRITE, 201),
        SEAL(HttpMethod.POST, "/v1/matters/{id}/seal", Scope.WRITE, 202),
        CANCEL(HttpMethod.POST, "/v1/matters/{id}/cancel", Scope.WRITE, 200),
        ARCHIVE(HttpMethod.POST, "/v1/matters/{id}/archive", Scope.WRITE, 409),
        RESULT(HttpMethod.GET, "/v1/matters/{id}/result", Scope.READ, 200),
        EVENTS(HttpMethod.GET, "/v1/matters/{id}/events", Scope.READ, 200),
        PAGE(HttpMethod.GET, "/v1/matters/{id}/documents/{doc}/pages/1", Scope.READ, 200),
        ISSUE_TOKEN(HttpMethod.POST, "/v1/tokens", Scope.ADMIN, 201),
        LIST_TOKENS(HttpMethod.GET, "/v1/tokens", Scope.ADMIN, 200),
        REVOKE_TOKEN(HttpMethod.DELETE, "/v1/tokens/{id}", Scope.ADMIN, 204);

        final HttpMethod method;
        final String path;
        final Scope scope;
        final int authorized;

        Endpoint(HttpMethod method, String path, Scope scope, int authorized) {
            this.method = method;
            this.path = path;
            this.scope = scope;
            this.authorized = authorized;
        }

        boolean namesAMatter() {
            return path.startsWith("/v1/matters/");
        }
    }

    /** The status of one cell. */
    static int expected(Endpoint endpoint, Credential credential) {
        return switch (credential) {
            case NONE, BAD, EXPIRED, REVOKED, ENTRA_EXPIRED -> 401;
            case ENTRA_NO_ROLE -> 403;
            case READ, ENTRA_READ -> endpoint.scope == Scope.READ ? endpoint.authorized : 403;
            case WRITE, ENTRA_WRITE -> endpoint.scope == Scope.WRITE ? endpoint.authorized : 403;
            case ADMIN, ENTRA_ADMIN -> endpoint.scope == Scope.ADMIN ? endpoint.authorized : 403;
            case OTHER_TENANT, ENTRA_OTHER_TENANT -> switch (endpoint) {
                // Another tenant's Matter is as missing as an unknown one.
                case GET_MATTER, DELETE_MATTER, UPLOAD, SEAL, CANCEL, ARCHIVE, RESULT, EVENTS, PAGE -> 404;
                // Its own listings; a token for our tenant it may not issue; our token it cannot see.
                case CREATE_MATTER, LIST_MATTERS, LIST_TOKENS -> endpoint.authorized;
                case ISSUE_TOKEN -> 403;
                case REVOKE_TOKEN -> 404;
            };
        };
    }

    static Stream<Arguments> cells() {
        List<Arguments> cells = new ArrayList<>();
        for (Endpoint endpoint : Endpoint.values()) {
            for (Credential credential : Credential.values()) {
                cells.add(Arguments.of(endpoint, credential, expected(endpoint, credential)));
            }
        }
        return cells.stream();
    }

    private static final Map<Credential, String> TOKENS = new EnumMap<>(Credential.class);

    @LocalServerPort
    int port;

    @Autowired
    BlobStore blobs;

    @Autowired
    InMemoryMessageBus bus;

    @BeforeEach
    void tokens() throws Exception {
        synchronized (TOKENS) {
            if (!TOKENS.isEmpty()) {
                return;
            }
            TOKENS.put(Credential.BAD, "mpt.t-0000000000000000000.not-the-secret");
            TOKENS.put(Credential.READ, issue(TENANT, "matters:read"));
            TOKENS.put(Credential.WRITE, issue(TENANT, "matters:write"));
            TOKENS.put(Credential.ADMIN, issue(TENANT, "tokens:admin"));
            TOKENS.put(Credential.OTHER_TENANT, issue(OTHER, "matters:read", "matters:write", "tokens:admin"));
            String revoked = issue(TENANT, "matters:read", "matters:write", "tokens:admin");
            client(ADMIN_TOKEN).delete().uri("/v1/tokens/{id}", idOf(revoked)).exchange()
                    .expectStatus().isNoContent();
            TOKENS.put(Credential.REVOKED, revoked);
            TOKENS.put(Credential.EXPIRED, storeExpiredToken());
            TOKENS.put(Credential.ENTRA_EXPIRED, ENTRA.token().tenant(TENANT)
                    .roles("Matters.Read", "Matters.Write", "Tokens.Admin")
                    .expiresAt(Instant.now().minus(Duration.ofMinutes(5))).sign());
            TOKENS.put(Credential.ENTRA_NO_ROLE, ENTRA.token(TENANT));
            TOKENS.put(Credential.ENTRA_READ, ENTRA.token(TENANT, "Matters.Read"));
            TOKENS.put(Credential.ENTRA_WRITE, ENTRA.token(TENANT, "Matters.Write"));
            TOKENS.put(Credential.ENTRA_ADMIN, ENTRA.token(TENANT, "Tokens.Admin"));
            TOKENS.put(Credential.ENTRA_OTHER_TENANT, ENTRA.token(OTHER, "Matters.Read", "Matters.Write",
                    "Tokens.Admin"));
        }
    }

    @ParameterizedTest(name = "{0} with {1} -> {2}")
    @MethodSource("cells")
    void everyEndpointAnswersEveryCredentialAsSpecified(Endpoint endpoint, Credential credential, int status) {
        String matterId = endpoint.namesAMatter() ? preparedMatter(endpoint) : null;
        String targetToken = endpoint == Endpoint.REVOKE_TOKEN ? issue(TENANT, "matters:read") : null;
        String target = endpoint == Endpoint.REVOKE_TOKEN ? idOf(targetToken) : matterId;
        Map<String, Object> before = state();
        String matterBefore = matterId == null ? null : matterStatus(matterId);
        WebTestClient client = client(TOKENS.get(credential));
        WebTestClient.RequestBodySpec request = client.method(endpoint.method)
                .uri(endpoint.path.replace("{id}", target == null ? "" : target).replace("{doc}", preparedDocument));
        WebTestClient.RequestHeadersSpec<?> ready = switch (endpoint) {
            case UPLOAD -> request.body(BodyInserters.fromMultipartData(document()));
            case ISSUE_TOKEN -> request.contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("tenant", TENANT, "scopes", List.of("matters:read")));
            default -> request;
        };

        WebTestClient.ResponseSpec response = ready.exchange().expectStatus().isEqualTo(status);
        if (status == 401 || status == 403) {
            response.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE,
                            challenge -> assertThat(challenge).startsWith("Bearer realm=\"matter-pipeline\""))
                    .expectBody().jsonPath("$.type").value(type -> assertThat((String) type).isIn(Set.of(
                            ProblemDetailsHandler.TYPE_BASE + "missing-token",
                            ProblemDetailsHandler.TYPE_BASE + "invalid-token",
                            ProblemDetailsHandler.TYPE_BASE + "token-expired",
                            ProblemDetailsHandler.TYPE_BASE + "token-revoked",
                            ProblemDetailsHandler.TYPE_BASE + "insufficient-scope",
                            ProblemDetailsHandler.TYPE_BASE + "tenant-not-allowed")));
        } else if (status == 404) {
            response.expectBody().jsonPath("$.type").value(type -> assertThat((String) type)
                    .isIn(ProblemDetailsHandler.TYPE_BASE + "matter-not-found",
                            ProblemDetailsHandler.TYPE_BASE + "token-not-found"));
        }
        if (status == 401 || status == 403 || status == 404) {
            // A refused request changed nothing: not a blob, not a queue; the Matter is as it was for its owner (still
            // open, the same documents), the token it tried to revoke still works.
            assertThat(state()).as("blobs and queues after a refused %s", endpoint).isEqualTo(before);
            if (matterId != null) {
                assertThat(matterStatus(matterId)).isEqualTo(matterBefore).contains("\"state\":\"OPEN\"");
            }
            if (targetToken != null) {
                client(targetToken).get().uri("/v1/matters").exchange().expectStatus().isOk();
            }
        }
    }

    /** Every blob of the service (path and ETag) and the length of every queue it writes to. */
    private Map<String, Object> state() {
        Map<String, Object> state = new java.util.TreeMap<>();
        for (String prefix : List.of("matters/", "tenants/", "tokens/")) {
            blobs.list(prefix).toStream().forEach(info -> state.put(info.path(), info.etag()));
        }
        for (String queue : List.of("documents", "results", "matters-completed")) {
            state.put("queue:" + queue, bus.activeCount(queue));
        }
        return state;
    }

    private String matterStatus(String matterId) {
        return client(TOKENS.get(Credential.READ)).get().uri("/v1/matters/{id}", matterId).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    @Test
    void theReasonsOfTheRefusalsTellTheCredentialsApart() {
        expectType(client(null).get().uri("/v1/matters").exchange(), "missing-token");
        expectType(client(TOKENS.get(Credential.BAD)).get().uri("/v1/matters").exchange(), "invalid-token");
        expectType(client(TOKENS.get(Credential.EXPIRED)).get().uri("/v1/matters").exchange(), "token-expired");
        expectType(client(TOKENS.get(Credential.REVOKED)).get().uri("/v1/matters").exchange(), "token-revoked");
        expectType(client(TOKENS.get(Credential.READ)).post().uri("/v1/matters").exchange(), "insufficient-scope");
        // The right id with a wrong secret is as invalid as an unknown token.
        String read = TOKENS.get(Credential.READ);
        expectType(client(read.substring(0, read.length() - 2) + "xx").get().uri("/v1/matters").exchange(),
                "invalid-token");
        // "Bearer" in any case, but nothing else.
        LoopbackClients.to(port).build().get().uri("/v1/matters")
                .header(HttpHeaders.AUTHORIZATION, "bearer " + read).exchange().expectStatus().isOk();
        expectType(LoopbackClients.to(port).build().get().uri("/v1/matters")
                .header(HttpHeaders.AUTHORIZATION, "Basic " + read).exchange(), "missing-token");
        // An encoded path is the same guarded path.
        expectType(client(null).get().uri(java.net.URI.create("http://127.0.0.1:" + port + "/v1/m%61tters"))
                .exchange(), "missing-token");
    }

    @Test
    void tokensAreShownOnceStoredHashedListedWithoutSecretsAndRevokedAtOnce() {
        String body = client(ADMIN_TOKEN).post().uri("/v1/tokens").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("tenant", "initech", "scopes", List.of("matters:read", "matters:write"),
                        "description", "CI pipeline"))
                .exchange()
                .expectStatus().isCreated()
                .expectHeader().value(HttpHeaders.CACHE_CONTROL, value -> assertThat(value).contains("no-store"))
                .expectBody(String.class).returnResult().getResponseBody();
        String token = MessageCodec.mapper().readTree(body).path("token").asString();
        String id = MessageCodec.mapper().readTree(body).path("id").asString();
        assertThat(token).startsWith("mpt." + id + ".");
        assertThat(MessageCodec.mapper().readTree(body).path("expiresAt").asString()).isNotBlank();

        byte[] stored = blobs.read(BlobPaths.token(id)).block(Duration.ofSeconds(5)).bytes();
        assertThat(new String(stored, StandardCharsets.UTF_8)).doesNotContain(token.substring(token.lastIndexOf('.')))
                .contains(sha256(token));

        String listed = client(ADMIN_TOKEN).get().uri("/v1/tokens?tenant=initech").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(listed).contains(id, "CI pipeline").doesNotContain(token, "secretHash", sha256(token));

        client(token).get().uri("/v1/matters").exchange().expectStatus().isOk();
        client(ADMIN_TOKEN).delete().uri("/v1/tokens/{id}", id).exchange().expectStatus().isNoContent();
        expectType(client(token).get().uri("/v1/matters").exchange(), "token-revoked");
        client(ADMIN_TOKEN).delete().uri("/v1/tokens/{id}", id).exchange().expectStatus().isNoContent();

        // A tenant admin sees and manages its own tenant's tokens only.
        String tenantAdmin = TOKENS.get(Credential.ADMIN);
        String theirs = client(tenantAdmin).get().uri("/v1/tokens?limit=500").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        assertThat(theirs).contains("\"tenant\":\"acme\"").doesNotContain("initech", OTHER);
    }

    @Test
    void badTokenRequestsAreRefusedWithAReason() {
        WebTestClient admin = client(ADMIN_TOKEN);
        Map<String, Object> cases = new LinkedHashMap<>();
        cases.put("{\"tenant\":\"acme\",\"scope\":[\"matters:read\"]}", "unknown-field");
        cases.put("{\"tenant\":\"acme\",\"scopes\":[]}", "invalid-scope");
        cases.put("{\"tenant\":\"acme\",\"scopes\":[\"matters:delete\"]}", "invalid-scope");
        cases.put("{\"tenant\":\"../acme\",\"scopes\":[\"matters:read\"]}", "invalid-tenant");
        cases.put("{\"scopes\":[\"matters:read\"]}", "invalid-tenant");
        cases.put("{\"tenant\":\"acme\",\"scopes\":[\"matters:read\"],\"expiresAt\":\"2001-01-01T00:00:00Z\"}",
                "invalid-expiry");
        cases.put("{\"tenant\":\"acme\",\"scopes\":[\"matters:read\"],\"expiresAt\":\"tomorrow\"}", "malformed-body");
        cases.put("{\"tenant\":\"acme\",\"scopes\":[\"matters:read\"],\"requestsPerMinute\":0}", "invalid-rate");
        cases.put("{\"tenant\":", "malformed-body");
        cases.forEach((body, reason) -> expectType(admin.post().uri("/v1/tokens")
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange(), (String) reason));
        expectType(admin.post().uri("/v1/tokens").exchange(), "malformed-body");
        expectType(admin.post().uri("/v1/tokens").contentType(MediaType.TEXT_PLAIN).bodyValue("x").exchange(),
                "unsupported-media-type");
        expectType(admin.delete().uri("/v1/tokens/{id}", "t-doesnotexist").exchange(), "token-not-found");
    }

    @Test
    void aTokenPastItsRateIsToldWhenToComeBack() {
        String slow = client(ADMIN_TOKEN).post().uri("/v1/tokens").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("tenant", TENANT, "scopes", List.of("matters:read"), "requestsPerMinute", 2))
                .exchange().expectStatus().isCreated().expectBody(String.class).returnResult().getResponseBody();
        WebTestClient client = client(MessageCodec.mapper().readTree(slow).path("token").asString());
        client.get().uri("/v1/matters").exchange().expectStatus().isOk();
        client.get().uri("/v1/matters").exchange().expectStatus().isOk();

        expectType(client.get().uri("/v1/matters").exchange(), "rate-limited");
        client.get().uri("/v1/matters").exchange()
                .expectStatus().isEqualTo(429)
                .expectHeader().value(HttpHeaders.RETRY_AFTER,
                        seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, 30));
        // Other tokens are not affected.
        client(TOKENS.get(Credential.READ)).get().uri("/v1/matters").exchange().expectStatus().isOk();
    }

    // --- helpers

    /** The document of the Matter {@link #preparedMatter} made last. */
    private String preparedDocument = "";

    /**
     * A Matter of {@value #TENANT} with one document, final with a result where the endpoint reads one, with its first
     * page split where the endpoint reads it.
     */
    private String preparedMatter(Endpoint endpoint) {
        WebTestClient writer = client(TOKENS.get(Credential.WRITE));
        String body = writer.post().uri("/v1/matters").exchange().expectStatus().isCreated()
                .expectBody(String.class).returnResult().getResponseBody();
        String matterId = MessageCodec.mapper().readTree(body).path("matterId").asString();
        String uploaded = writer.post().uri("/v1/matters/{id}/documents", matterId)
                .body(BodyInserters.fromMultipartData(document()))
                .exchange().expectStatus().isCreated().expectBody(String.class).returnResult().getResponseBody();
        preparedDocument = MessageCodec.mapper().readTree(uploaded).path("documentId").asString();
        if (endpoint == Endpoint.PAGE) {
            write(BlobPaths.page(matterId, preparedDocument, 1), MessageCodec.mapper().writeValueAsBytes(
                    new PageContent(matterId, preparedDocument, 1, 1, "text", "text", List.of(), null, null, null,
                            "", "")));
        }
        if (endpoint == Endpoint.RESULT || endpoint == Endpoint.EVENTS) {
            write(BlobPaths.matterProgress(matterId), MessageCodec.mapper().writeValueAsBytes(new MatterProgress(
                    matterId, List.of(), Map.of(), MatterStatus.FAILED, Instant.parse("2026-01-02T03:04:05Z"))));
            write(BlobPaths.matterResult(matterId), "{\"status\":\"FAILED\"}".getBytes(StandardCharsets.UTF_8));
        }
        return matterId;
    }

    private static org.springframework.util.MultiValueMap<String, org.springframework.http.HttpEntity<?>> document() {
        MultipartBodyBuilder parts = new MultipartBodyBuilder();
        parts.part("file", "text".getBytes(StandardCharsets.UTF_8)).filename("a.txt").contentType(MediaType.TEXT_PLAIN);
        return parts.build();
    }

    private String issue(String tenant, String... scopes) {
        String body = client(ADMIN_TOKEN).post().uri("/v1/tokens").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("tenant", tenant, "scopes", Arrays.asList(scopes)))
                .exchange().expectStatus().isCreated().expectBody(String.class).returnResult().getResponseBody();
        return MessageCodec.mapper().readTree(body).path("token").asString();
    }

    /** A token whose record says it expired yesterday, written as the service writes records. */
    private String storeExpiredToken() {
        String id = "t-expiredexpiredexpir";
        String token = "mpt." + id + ".c2VjcmV0LXRoYXQtaXMtbG9uZy1lbm91Z2gtdG8tYmUtYS10b2tlbg";
        Instant now = Instant.now();
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("id", id);
        record.put("tenant", TENANT);
        record.put("scopes", List.of("matters:read", "matters:write", "tokens:admin"));
        record.put("createdAt", now.minus(Duration.ofDays(2)).toString());
        record.put("expiresAt", now.minus(Duration.ofDays(1)).toString());
        record.put("secretHash", sha256(token));
        write(BlobPaths.token(id), MessageCodec.mapper().writeValueAsBytes(record));
        return token;
    }

    private void write(String path, byte[] bytes) {
        blobs.putBytes(path, bytes, PutCondition.none()).block(Duration.ofSeconds(5));
    }

    private WebTestClient client(String token) {
        WebTestClient.Builder builder = LoopbackClients.to(port)
                .responseTimeout(Duration.ofSeconds(20));
        if (token != null) {
            builder.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
        }
        return builder.build();
    }

    private static void expectType(WebTestClient.ResponseSpec response, String reason) {
        response.expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo(ProblemDetailsHandler.TYPE_BASE + reason);
    }

    private static String idOf(String token) {
        return token.split("\\.")[1];
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
