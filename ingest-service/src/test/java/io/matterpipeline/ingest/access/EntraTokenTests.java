package io.matterpipeline.ingest.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.ingest.IngestApplication;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Entra ID access tokens against the running service, with keys made here and their JWK set served on loopback by
 * {@link EntraIssuer}: each way a token can be wrong is a 401 whose {@code WWW-Authenticate} says why (RFC 6750), a
 * token without the role is a 403, another tenant sees nothing of ours, a rotated key is picked up, and the service's
 * own {@code mpt.} tokens go on working beside them.
 */
@SpringBootTest(classes = IngestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"matter-pipeline.admin-token=" + EntraTokenTests.ADMIN_TOKEN,
                "matter-pipeline.ingest.requests.enabled=false",
                "matter-pipeline.ingest.auth.entra.issuer=" + EntraIssuer.ISSUER,
                "matter-pipeline.ingest.auth.entra.audience=" + EntraIssuer.AUDIENCE,
                // A rotation is picked up by the next token with the new key id, not after 30 s.
                "matter-pipeline.ingest.auth.entra.keys-min-refresh-interval=0s"})
@DirtiesContext
class EntraTokenTests {

    static {
        NonBlockingThreads.enforce();
    }

    static final String ADMIN_TOKEN = "entra-token-tests-bootstrap-admin-0123456789";
    private static final EntraIssuer ENTRA = EntraIssuer.start();
    /** The filesystem store's root; deleted after the class, once its context is closed. */
    @TempDir
    static Path storeRoot;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("matter-pipeline.blob.filesystem.root", () -> storeRoot.toString());
        registry.add("matter-pipeline.ingest.auth.entra.jwk-set-uri", ENTRA::jwkSetUri);
    }

    @AfterAll
    static void stop() {
        ENTRA.close();
    }

    @LocalServerPort
    int port;

    @Test
    void aValidTokenWithTheRoleIsServed() {
        String token = ENTRA.token("acme", "Matters.Read", "Matters.Write");
        String created = client(token).post().uri("/v1/matters").exchange().expectStatus().isCreated()
                .expectBody(String.class).returnResult().getResponseBody();
        String matterId = MessageCodec.mapper().readTree(created).path("matterId").asString();
        client(token).get().uri("/v1/matters/{id}", matterId).exchange().expectStatus().isOk();
        client(ENTRA.token("acme", "Matters.Read")).get().uri("/v1/matters").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.matters[?(@.matterId == '" + matterId + "')]").exists();
    }

    @Test
    void anExpiredTokenIsRefusedSayingSo() {
        String token = ENTRA.token().roles("Matters.Read").expiresAt(Instant.now().minus(Duration.ofMinutes(5)))
                .sign();
        refused(token, "token-expired", "Jwt expired at");
    }

    @Test
    void aTokenWithoutExpiryIsRefused() {
        refused(ENTRA.token().roles("Matters.Read").expiresAt(null).sign(), "invalid-token", "exp is required");
    }

    @Test
    void aTokenNotYetValidIsRefused() {
        String token = ENTRA.token().roles("Matters.Read").notBefore(Instant.now().plus(Duration.ofMinutes(5)))
                .sign();
        refused(token, "invalid-token", "Jwt used before");
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() {
        refused(ENTRA.token().roles("Matters.Read").audience("api://someone-else").sign(), "invalid-token",
                "The aud claim is not valid");
    }

    @Test
    void aTokenFromAnotherIssuerIsRefused() {
        refused(ENTRA.token().roles("Matters.Read")
                        .issuer("https://login.microsoftonline.com/99999999-0000-0000-0000-000000000000/v2.0").sign(),
                "invalid-token", "The iss claim is not valid");
    }

    @Test
    void aTokenSignedWithAnotherKeyUnderAKnownKeyIdIsRefused() {
        refused(ENTRA.token().roles("Matters.Read").signedWith(EntraIssuer.newKey()).kid(ENTRA.key().getKeyID())
                .sign(), "invalid-token", "Invalid signature");
    }

    @Test
    void aTokenNamingAnUnknownKeyIsRefused() {
        refused(ENTRA.token().roles("Matters.Read").signedWith(EntraIssuer.newKey()).sign(), "invalid-token",
                "no matching key");
    }

    @Test
    void aTamperedOrUnsignedTokenIsRefused() {
        String token = ENTRA.token("acme", "Matters.Read");
        String[] parts = token.split("\\.");
        String elevated = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("{\"tid\":\"acme\",\"roles\":[\"Tokens.Admin\"],\"iss\":\"" + EntraIssuer.ISSUER + "\",\"aud\":\""
                        + EntraIssuer.AUDIENCE + "\",\"exp\":" + (Instant.now().getEpochSecond() + 3600) + "}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        refused(parts[0] + "." + elevated + "." + parts[2], "invalid-token", "Invalid signature");
        String none = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"alg\":\"none\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        refused(none + "." + elevated + ".", "invalid-token", "Unsupported algorithm");
        refused("not-a-jwt-at-all", "invalid-token", "");
    }

    @Test
    void aRotatedKeyIsPickedUpAndTheWithdrawnOneRefused() {
        String before = ENTRA.token("acme", "Matters.Read");
        client(before).get().uri("/v1/matters").exchange().expectStatus().isOk();
        ENTRA.rotate();
        client(ENTRA.token("acme", "Matters.Read")).get().uri("/v1/matters").exchange().expectStatus().isOk();
        refused(before, "invalid-token", "no matching key");
    }

    @Test
    void aTokenWithoutTheRoleIsForbidden() {
        expectProblem(client(ENTRA.token("acme")).get().uri("/v1/matters").exchange(), 403, "insufficient-scope")
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, challenge -> assertThat(challenge)
                        .contains("error=\"insufficient_scope\"", "scope=\"matters:read\""));
        expectProblem(client(ENTRA.token("acme", "Matters.Read", "Some.Other.Role")).post().uri("/v1/matters")
                .exchange(), 403, "insufficient-scope");
        expectProblem(client(ENTRA.token("acme", "Matters.Write")).get().uri("/v1/tokens").exchange(), 403,
                "insufficient-scope");
        // Roles are app roles in "roles"; a delegated scope of the same name grants nothing.
        expectProblem(client(ENTRA.token().claim("scp", "Matters.Read").sign()).get().uri("/v1/matters").exchange(),
                403, "insufficient-scope");
    }

    @Test
    void aTokenWithoutATenantIsRefused() {
        refused(ENTRA.token().roles("Matters.Read").claim("tid", null).sign(), "invalid-token", "'tid' claim");
        refused(ENTRA.token().roles("Matters.Read").tenant("../acme").sign(), "invalid-token", "'tid' claim");
    }

    @Test
    void anotherTenantSeesAndChangesNothingOfOurs() {
        String ours = ENTRA.token("acme", "Matters.Read", "Matters.Write");
        String created = client(ours).post().uri("/v1/matters").exchange().expectStatus().isCreated()
                .expectBody(String.class).returnResult().getResponseBody();
        String matterId = MessageCodec.mapper().readTree(created).path("matterId").asString();
        String theirs = ENTRA.token("globex", "Matters.Read", "Matters.Write", "Tokens.Admin");

        expectProblem(client(theirs).get().uri("/v1/matters/{id}", matterId).exchange(), 404, "matter-not-found");
        expectProblem(client(theirs).post().uri("/v1/matters/{id}/seal", matterId).exchange(), 404,
                "matter-not-found");
        client(theirs).get().uri("/v1/matters").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.matters[?(@.matterId == '" + matterId + "')]").doesNotExist();
        expectProblem(client(theirs).post().uri("/v1/tokens").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("tenant", "acme", "scopes", List.of("matters:read"))).exchange(), 403,
                "tenant-not-allowed");
        client(ours).get().uri("/v1/matters/{id}", matterId).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("OPEN");
    }

    @Test
    void anEntraAdminIssuesTokensOfItsTenantAndMptTokensWorkBeside() {
        String body = client(ENTRA.token("acme", "Tokens.Admin")).post().uri("/v1/tokens")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("tenant", "acme", "scopes", List.of("matters:read"))).exchange()
                .expectStatus().isCreated().expectBody(String.class).returnResult().getResponseBody();
        String issued = MessageCodec.mapper().readTree(body).path("token").asString();
        client(issued).get().uri("/v1/matters").exchange().expectStatus().isOk();
        client(ADMIN_TOKEN).get().uri("/v1/tokens").exchange().expectStatus().isOk();
        expectProblem(client("mpt.t-0000000000000000000.not-the-secret").get().uri("/v1/matters").exchange(), 401,
                "invalid-token");
    }

    private void refused(String token, String reason, String because) {
        expectProblem(client(token).get().uri("/v1/matters").exchange(), 401, reason)
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, challenge -> assertThat(challenge)
                        .startsWith("Bearer realm=\"matter-pipeline\", error=\"invalid_token\", error_description=\"")
                        .contains(because));
    }

    private static WebTestClient.ResponseSpec expectProblem(WebTestClient.ResponseSpec response, int status,
            String reason) {
        response.expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("https://matter-pipeline.io/problems/" + reason);
        return response;
    }

    private WebTestClient client(String token) {
        return WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(20))
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token).build();
    }
}
