package io.matterpipeline.testkit.documentintelligence;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The simulator speaks Document Intelligence's REST protocol: submit, poll, key, pages, faults. */
class DocumentIntelligenceSimulatorTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] PDF = "%PDF-1.7\n% not a real PDF; the simulator reads no images\n"
            .getBytes(StandardCharsets.US_ASCII);

    private static DocumentIntelligenceSimulator simulator;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        simulator = DocumentIntelligenceSimulator.start();
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @BeforeEach
    void reset() {
        simulator.reset();
    }

    @Test
    void submitsThenPollsRunningThenSucceedsWithTheRequestedPagesOfTheFixture() throws Exception {
        HttpResponse<String> submitted = analyze(simulator.key(), "2-3", PDF);
        assertThat(submitted.statusCode()).isEqualTo(202);
        String operation = submitted.headers().firstValue("Operation-Location").orElseThrow();
        assertThat(operation).startsWith(simulator.endpoint()
                + "/documentintelligence/documentModels/prebuilt-read/analyzeResults/")
                .endsWith("?api-version=2024-11-30");

        assertThat(JSON.readTree(get(operation, simulator.key()).body()).path("status").asString())
                .isEqualTo("running");
        JsonNode done = JSON.readTree(get(operation, simulator.key()).body());
        assertThat(done.path("status").asString()).isEqualTo("succeeded");
        JsonNode result = done.path("analyzeResult");
        assertThat(result.path("pages").size()).isEqualTo(2);
        JsonNode page2 = result.path("pages").get(0);
        assertThat(page2.path("pageNumber").asInt()).isEqualTo(2);
        assertThat(page2.path("words").size()).isEqualTo(11);
        // Page 3 defaults to the fixture's page 1; every word span slices the content exactly.
        JsonNode page3 = result.path("pages").get(1);
        assertThat(page3.path("words").get(0).path("content").asString()).isEqualTo("IN");
        String content = result.path("content").asString();
        for (JsonNode page : result.path("pages")) {
            for (JsonNode word : page.path("words")) {
                int offset = word.path("span").path("offset").asInt();
                assertThat(content.substring(offset, offset + word.path("span").path("length").asInt()))
                        .isEqualTo(word.path("content").asString());
            }
        }
        assertThat(simulator.requests()).singleElement().satisfies(request -> {
            assertThat(request.pages()).isEqualTo("2-3");
            assertThat(request.pageNumbers()).containsExactly(2, 3);
            assertThat(request.documentBytes()).isEqualTo(PDF.length);
        });
    }

    @Test
    void configuredPagesAnswerInsteadOfTheFixture() throws Exception {
        simulator.page(5, DocumentIntelligenceSimulator.SimulatedPage.of("Exhibit B\nsigned 2024-01-02", 0.5));
        String operation = analyze(simulator.key(), "5", PDF).headers().firstValue("Operation-Location").orElseThrow();
        get(operation, simulator.key());
        JsonNode page = JSON.readTree(get(operation, simulator.key()).body()).path("analyzeResult").path("pages")
                .get(0);
        assertThat(page.path("pageNumber").asInt()).isEqualTo(5);
        assertThat(page.path("words").size()).isEqualTo(4);
        assertThat(page.path("lines").size()).isEqualTo(2);
    }

    @Test
    void refusesAWrongKeyANonPdfAndSimulatedFaults() throws Exception {
        HttpResponse<String> unauthorized = analyze("wrong", "1", PDF);
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(unauthorized.body()).contains("invalid subscription key");

        HttpResponse<String> notPdf = analyze(simulator.key(), "1", "hello".getBytes(StandardCharsets.US_ASCII));
        assertThat(notPdf.statusCode()).isEqualTo(400);
        assertThat(notPdf.body()).contains("InvalidContent");

        simulator.failNextAnalyze(429, 1);
        HttpResponse<String> throttled = analyze(simulator.key(), "1", PDF);
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(analyze(simulator.key(), "1", PDF).statusCode()).isEqualTo(202);

        simulator.failOperations("InvalidContent");
        String operation = analyze(simulator.key(), "1", PDF).headers().firstValue("Operation-Location").orElseThrow();
        get(operation, simulator.key());
        JsonNode failed = JSON.readTree(get(operation, simulator.key()).body());
        assertThat(failed.path("status").asString()).isEqualTo("failed");
        assertThat(failed.path("error").path("innererror").path("code").asString()).isEqualTo("InvalidContent");
    }

    @Test
    void pageRangesParse() {
        assertThat(DocumentIntelligenceSimulator.parsePages("1-3,5,7-8")).containsExactly(1, 2, 3, 5, 7, 8);
        assertThat(DocumentIntelligenceSimulator.parsePages("x")).isEqualTo(List.of());
        assertThat(DocumentIntelligenceSimulator.parsePages("3-1")).isEqualTo(List.of());
    }

    private HttpResponse<String> analyze(String key, String pages, byte[] document)
            throws IOException, InterruptedException {
        String body = "{\"base64Source\":\"" + Base64.getEncoder().encodeToString(document) + "\"}";
        return http.send(HttpRequest.newBuilder(URI.create(simulator.endpoint()
                        + "/documentintelligence/documentModels/prebuilt-read:analyze?api-version=2024-11-30&pages="
                        + pages))
                .header("Ocp-Apim-Subscription-Key", key)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url, String key) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Ocp-Apim-Subscription-Key", key)
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
