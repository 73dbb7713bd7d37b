package io.matterpipeline.ocr.documentintelligence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.error.TransientException;
import io.matterpipeline.ocr.OcrRefusedException;
import io.matterpipeline.testkit.documentintelligence.DocumentIntelligenceSimulator;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.TreeSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The Document Intelligence adapter against the testkit simulator, through the unmodified SDK. */
class DocumentIntelligenceOcrTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static DocumentIntelligenceSimulator simulator;

    @TempDir
    Path work;

    private Path pdf;

    @BeforeAll
    static void start() {
        simulator = DocumentIntelligenceSimulator.start();
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @BeforeEach
    void reset() throws IOException {
        simulator.reset();
        pdf = Files.write(work.resolve("scan.pdf"),
                "%PDF-1.7\n% pages are images\n".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void readsOnlyTheRequestedPagesThroughTheLongRunningOperation() {
        StepVerifier.create(ocr(simulator.key(), Duration.ofSeconds(20)).read(pdf, new TreeSet<>(List.of(2, 3, 4, 7))))
                .assertNext(json -> {
                    JsonNode body = JSON.readTree(json);
                    assertThat(body.path("status").asString()).isEqualTo("succeeded");
                    List<Integer> pages = body.path("analyzeResult").path("pages").valueStream()
                            .map(page -> page.path("pageNumber").asInt()).toList();
                    assertThat(pages).containsExactly(2, 3, 4, 7);
                    assertThat(body.path("analyzeResult").path("pages").get(0).path("words").get(0)
                            .path("confidence").isNumber()).isTrue();
                })
                .expectComplete()
                .verify(Duration.ofSeconds(30));
        assertThat(simulator.requests()).singleElement().satisfies(request -> {
            assertThat(request.modelId()).isEqualTo("prebuilt-read");
            assertThat(request.apiVersion()).isEqualTo(DocumentIntelligenceSimulator.API_VERSION);
            assertThat(request.pages()).isEqualTo("2-4,7");
            assertThat(request.documentBytes()).isEqualTo(28);
        });
        // Submitted, then polled while "running", then once more to "succeeded".
        assertThat(simulator.polls()).isEqualTo(2);
    }

    @Test
    void anOperationOutlivingTheTimeoutIsTransient() {
        simulator.neverFinish(true);
        StepVerifier.create(ocr(simulator.key(), Duration.ofMillis(600)).read(pdf, new TreeSet<>(List.of(1))))
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(TransientException.class);
                    assertThat(((TransientException) error).reason()).isEqualTo("ocr-timeout");
                    assertThat(error).hasMessageContaining("matter-pipeline.splitter.ocr.timeout");
                })
                .verify(Duration.ofSeconds(20));
        assertThat(simulator.polls()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aWrongKeyIsRefusedWithWhatToCheck() {
        StepVerifier.create(ocr("not-the-key", Duration.ofSeconds(20)).read(pdf, new TreeSet<>(List.of(1))))
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(OcrRefusedException.class);
                    assertThat(((OcrRefusedException) error).reason()).isEqualTo(OcrRefusedException.UNAUTHORIZED);
                    assertThat(error).hasMessageContaining("HTTP 401")
                            .hasMessageContaining("invalid subscription key")
                            .hasMessageContaining("matter-pipeline.splitter.ocr.key");
                })
                .verify(Duration.ofSeconds(20));
    }

    @Test
    void throttlingThatOutlastsTheClientsRetriesIsTransient() {
        simulator.failNextAnalyze(429, 10);
        StepVerifier.create(ocr(simulator.key(), Duration.ofSeconds(20)).read(pdf, new TreeSet<>(List.of(1))))
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(TransientException.class);
                    assertThat(((TransientException) error).reason()).isEqualTo("ocr-unavailable");
                    assertThat(error).hasMessageContaining("HTTP 429");
                })
                .verify(Duration.ofSeconds(30));
        // The first try and the client's two retries; the bus retries the document after that.
        assertThat(simulator.requests()).hasSize(3);
    }

    @Test
    void aDocumentTheServiceCannotReadIsRejectedWithItsExplanation() throws IOException {
        Files.writeString(pdf, "not a pdf at all");
        StepVerifier.create(ocr(simulator.key(), Duration.ofSeconds(20)).read(pdf, new TreeSet<>(List.of(1))))
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(OcrRefusedException.class);
                    assertThat(((OcrRefusedException) error).reason()).isEqualTo(OcrRefusedException.REJECTED);
                    assertThat(error).hasMessageContaining("HTTP 400").hasMessageContaining("InvalidContent");
                })
                .verify(Duration.ofSeconds(20));
    }

    @Test
    void anOperationThatFailsForTheDocumentIsRejected() {
        simulator.failOperations("InvalidContent");
        StepVerifier.create(ocr(simulator.key(), Duration.ofSeconds(20)).read(pdf, new TreeSet<>(List.of(1))))
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(OcrRefusedException.class);
                    assertThat(error).hasMessageContaining("InvalidContent");
                })
                .verify(Duration.ofSeconds(20));
    }

    @Test
    void aKeyIsNeverSentInTheClearBeyondLoopback() {
        assertThatThrownBy(() -> new DocumentIntelligenceProperties(URI.create("http://example.com"), "k",
                Duration.ofMinutes(1), Duration.ofSeconds(1)))
                .hasMessageContaining("https");
        assertThat(DocumentIntelligenceOcr.pageRanges(new TreeSet<>(List.of(1, 2, 3, 5, 7, 8)))).isEqualTo("1-3,5,7-8");
    }

    private static DocumentIntelligenceOcr ocr(String key, Duration timeout) {
        return DocumentIntelligenceOcr.create(new DocumentIntelligenceProperties(URI.create(simulator.endpoint()), key,
                timeout, Duration.ofMillis(50)));
    }
}
