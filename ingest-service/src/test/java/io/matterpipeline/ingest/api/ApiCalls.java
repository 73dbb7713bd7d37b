package io.matterpipeline.ingest.api;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/** What the API tests that run a whole service on loopback share: token clients and problem checks. */
final class ApiCalls {

    private ApiCalls() {
    }

    /** A client on {@code port} that sends {@code token}. */
    static WebTestClient client(int port, String token) {
        return LoopbackClients.to(port)
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                .responseTimeout(Duration.ofSeconds(30)).build();
    }

    /** Issues a token of {@code tenant} with {@code scopes} through the API, as the admin; returns its secret. */
    static String issue(int port, String adminToken, String tenant, String... scopes) {
        return field(client(port, adminToken).post().uri("/v1/tokens").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("tenant", tenant, "scopes", List.of(scopes))).exchange().expectStatus().isCreated(),
                "token");
    }

    /** A text field of the JSON answer. */
    static String field(WebTestClient.ResponseSpec response, String name) {
        return response.expectBody(JsonNode.class).returnResult().getResponseBody().path(name).asString();
    }

    /** The answer is a problem+json with {@code status} and reason {@code reason}. */
    static void problem(WebTestClient.ResponseSpec response, int status, String reason) {
        response.expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo(ProblemDetailsHandler.TYPE_BASE + reason);
    }
}
