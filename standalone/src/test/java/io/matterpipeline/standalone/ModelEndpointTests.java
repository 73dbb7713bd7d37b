package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Which model server a run uses, against a simulator that has two models, as an Ollama with two pulled: a model it
 * lacks is one clear message (or, for the default server, the simulator and the reason), never a run whose every call
 * is answered 404.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelEndpointTests {

    private static OllamaSimulator ollama;

    @BeforeAll
    static void start() {
        ollama = OllamaSimulator.start(OllamaSimulatorOptions.builder().models(List.of("llama3.1:8b", "qwen2.5")).build());
    }

    @AfterAll
    static void stop() {
        ollama.close();
    }

    @Test
    void anExplicitServerWithTheModelIsUsed() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        try (ModelEndpoint endpoint = ModelEndpoint.resolve(ollama.baseUrl(), "qwen2.5", printing(err))) {
            assertThat(endpoint.baseUrl()).isEqualTo(ollama.baseUrl());
            assertThat(endpoint.isSimulated()).isFalse();
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void anExplicitServerWithoutTheModelIsAnErrorNamingTheModelsItHas() {
        assertThatThrownBy(() -> ModelEndpoint.resolve(ollama.baseUrl(), "mistral:7b", printing(new ByteArrayOutputStream())))
                .isInstanceOf(CommandFailure.class)
                .hasMessage("The model server at " + ollama.baseUrl() + " has no model 'mistral:7b' (its models: "
                        + "llama3.1:8b, qwen2.5:latest). Pull it there (ollama pull mistral:7b), or name one of its "
                        + "models with --model.");
    }

    @Test
    void theDefaultServerWithTheModelIsUsed() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        try (ModelEndpoint endpoint = ModelEndpoint.resolve(null, ollama.baseUrl(), "llama3.1:8b", printing(err))) {
            assertThat(endpoint.baseUrl()).isEqualTo(ollama.baseUrl());
            assertThat(endpoint.isSimulated()).isFalse();
        }
    }

    @Test
    void theDefaultServerWithoutTheModelGivesWayToTheSimulatorAndTheBannerSaysWhy() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        try (ModelEndpoint endpoint = ModelEndpoint.resolve(null, ollama.baseUrl(), "mistral:7b", printing(err))) {
            assertThat(endpoint.isSimulated()).isTrue();
            assertThat(endpoint.baseUrl()).isNotEqualTo(ollama.baseUrl());
        }
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("The model server at " + ollama.baseUrl() + " has no model 'mistral:7b' (its models: "
                        + "llama3.1:8b, qwen2.5:latest).")
                .contains("Using the BUILT-IN SIMULATOR")
                .contains("Pull it (ollama pull mistral:7b) or name one of its models with --model.");
    }

    @Test
    void aServerThatCannotSayWhichModelsItHasIsTakenAtItsWord() {
        // Ollama-compatible for chats, without Ollama's /api/show: its 404 there is a missing route, not a model.
        DisposableServer chatOnly = HttpServer.create().host("127.0.0.1").port(0)
                .route(routes -> routes.get("/api/version", (request, response) -> response.sendString(
                        Mono.just("{\"version\":\"0.0.0\"}"))))
                .bindNow(Duration.ofSeconds(10));
        try (ModelEndpoint endpoint = ModelEndpoint.resolve("http://127.0.0.1:" + chatOnly.port(), "mistral:7b",
                printing(new ByteArrayOutputStream()))) {
            assertThat(endpoint.isSimulated()).isFalse();
        } finally {
            chatOnly.disposeNow(Duration.ofSeconds(5));
        }
    }

    private static PrintStream printing(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
