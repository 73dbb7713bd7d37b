package io.matterpipeline.testkit.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OllamaSimulatorTests {

    static final String PAGE_PROMPT = "Extract the legal facts of this page.\n<page number=\"1\">\n"
            + SimulatedExtractionTests.COURT_FILING + "</page>";

    static OllamaSimulator simulator;
    static SimulatorClient client;

    @BeforeAll
    static void start() {
        simulator = OllamaSimulator.start(OllamaSimulatorOptions.builder().streamChunkChars(20).build());
        client = new SimulatorClient(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @BeforeEach
    void resetFaults() {
        simulator.faults().clear();
    }

    @Test
    void listensOnLoopbackWithThePickedPort() {
        assertThat(simulator.port()).isPositive();
        assertThat(simulator.baseUrl()).isEqualTo("http://127.0.0.1:" + simulator.port());
    }

    @Test
    void rootSaysOllamaIsRunning() {
        HttpResponse<String> get = client.get("/");
        HttpResponse<String> head = client.head("/");

        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("Ollama is running");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void versionIsReported() {
        HttpResponse<String> response = client.get("/api/version");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(SimulatorClient.json(response.body()).get("version").stringValue()).isEqualTo(OllamaSimulator.VERSION);
    }

    @Test
    void tagsAndPsListOnlyTheSimulatedModel() {
        JsonNode tags = SimulatorClient.json(client.get("/api/tags").body());
        JsonNode ps = SimulatorClient.json(client.get("/api/ps").body());

        assertThat(tags.get("models")).hasSize(1);
        JsonNode model = tags.get("models").get(0);
        assertThat(model.get("name").stringValue()).isEqualTo("simulated");
        assertThat(model.get("model").stringValue()).isEqualTo("simulated");
        assertThat(model.get("modified_at").stringValue()).isNotBlank();
        assertThat(model.get("digest").stringValue()).hasSize(64);
        assertThat(model.get("details").get("format").stringValue()).isEqualTo("gguf");
        assertThat(ps.get("models").get(0).get("name").stringValue()).isEqualTo("simulated");
        assertThat(ps.get("models").get(0).has("expires_at")).isTrue();
    }

    @Test
    void nonStreamingChatAnswersOneObjectWithOllamasFields() {
        ObjectNode request = SimulatorClient.nonStreaming(PAGE_PROMPT);

        HttpResponse<String> response = client.chat(request);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        JsonNode body = SimulatorClient.json(response.body());
        assertThat(body.get("model").stringValue()).isEqualTo("simulated");
        assertThat(body.get("created_at").stringValue()).isNotBlank();
        assertThat(body.get("message").get("role").stringValue()).isEqualTo("assistant");
        String content = body.get("message").get("content").stringValue();
        assertThat(content).isEqualTo(SimulatedExtraction.fromUserMessage(PAGE_PROMPT));
        assertThat(body.get("done").booleanValue()).isTrue();
        assertThat(body.get("done_reason").stringValue()).isEqualTo("stop");
        int promptChars = SimulatorClient.SYSTEM_PROMPT.length() + PAGE_PROMPT.length();
        assertThat(body.get("prompt_eval_count").intValue()).isEqualTo((promptChars + 3) / 4);
        assertThat(body.get("eval_count").intValue()).isEqualTo((content.length() + 3) / 4);
        for (String duration : List.of("total_duration", "load_duration", "prompt_eval_duration", "eval_duration")) {
            assertThat(body.get(duration).isIntegralNumber()).as(duration).isTrue();
            assertThat(body.get(duration).longValue()).as(duration).isPositive();
        }
        assertThat(body.get("total_duration").longValue()).isGreaterThanOrEqualTo(
                body.get("load_duration").longValue() + body.get("prompt_eval_duration").longValue()
                        + body.get("eval_duration").longValue());
    }

    @Test
    void chatStreamsNdjsonByDefaultWithDeltasAndAFinalMetricsLine() {
        HttpResponse<String> response = client.chat(SimulatorClient.chatRequest(PAGE_PROMPT));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        List<String> lines = response.body().lines().toList();
        assertThat(lines.size()).isGreaterThan(3);
        StringBuilder content = new StringBuilder();
        for (String line : lines.subList(0, lines.size() - 1)) {
            JsonNode chunk = SimulatorClient.json(line);
            assertThat(chunk.get("model").stringValue()).isEqualTo("simulated");
            assertThat(chunk.get("done").booleanValue()).isFalse();
            assertThat(chunk.get("message").get("content").stringValue()).hasSizeLessThanOrEqualTo(20);
            content.append(chunk.get("message").get("content").stringValue());
        }
        JsonNode last = SimulatorClient.json(lines.get(lines.size() - 1));
        assertThat(last.get("done").booleanValue()).isTrue();
        assertThat(last.get("done_reason").stringValue()).isEqualTo("stop");
        assertThat(last.get("message").get("content").stringValue()).isEmpty();
        assertThat(last.get("eval_count").intValue()).isEqualTo((content.length() + 3) / 4);
        assertThat(last.get("total_duration").longValue()).isPositive();
        assertThat(content.toString()).isEqualTo(SimulatedExtraction.fromUserMessage(PAGE_PROMPT));
    }

    @Test
    void formatSchemaDoesNotChangeTheAnswer() {
        ObjectNode request = SimulatorClient.nonStreaming(PAGE_PROMPT);
        request.putObject("format").put("type", "object");

        JsonNode body = SimulatorClient.json(client.chat(request).body());

        assertThat(body.get("message").get("content").stringValue())
                .isEqualTo(SimulatedExtraction.fromUserMessage(PAGE_PROMPT));
    }

    @Test
    void requestWithoutModelIsRejectedLikeOllama() {
        ObjectNode request = SimulatorClient.nonStreaming(PAGE_PROMPT);
        request.remove("model");

        HttpResponse<String> response = client.chat(request);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(SimulatorClient.json(response.body()).get("error").stringValue()).isEqualTo("model is required");
    }

    @Test
    void invalidJsonIsRejected() {
        HttpResponse<String> response = client.post("/api/chat", "{\"model\": ");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(SimulatorClient.json(response.body()).has("error")).isTrue();
    }

    @Test
    void overLongPromptIsTruncatedSilentlyToNumCtx() {
        ObjectNode request = SimulatorClient.nonStreaming(PAGE_PROMPT);
        request.putObject("options").put("num_ctx", 32);

        HttpResponse<String> response = client.chat(request);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = SimulatorClient.json(response.body());
        assertThat(body.get("prompt_eval_count").intValue()).isEqualTo(32);
        assertThat(body.get("done_reason").stringValue()).isEqualTo("stop");
    }

    @Test
    void overLongPromptWithTruncateFalseIsRejected() {
        ObjectNode request = SimulatorClient.nonStreaming(PAGE_PROMPT).put("truncate", false);
        request.putObject("options").put("num_ctx", 32);

        HttpResponse<String> response = client.chat(request);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(SimulatorClient.json(response.body()).get("error").stringValue())
                .isEqualTo(ChatEndpoint.CONTEXT_EXCEEDED);
    }

    @Test
    void numPredictCutsTheAnswerWithDoneReasonLength() {
        ObjectNode request = SimulatorClient.nonStreaming(PAGE_PROMPT);
        request.putObject("options").put("num_predict", 10);

        JsonNode body = SimulatorClient.json(client.chat(request).body());

        assertThat(body.get("done_reason").stringValue()).isEqualTo("length");
        assertThat(body.get("eval_count").intValue()).isEqualTo(10);
        assertThat(SimulatedExtraction.fromUserMessage(PAGE_PROMPT))
                .startsWith(body.get("message").get("content").stringValue());
    }

    @Test
    void statsCountCallsByStatus() {
        simulator.resetStats();
        client.chat(SimulatorClient.nonStreaming(PAGE_PROMPT));
        ObjectNode noModel = SimulatorClient.nonStreaming(PAGE_PROMPT);
        noModel.remove("model");
        client.chat(noModel);

        OllamaSimulatorStats stats = simulator.stats();

        assertThat(stats.totalCalls()).isEqualTo(2);
        assertThat(stats.calls(200)).isEqualTo(1);
        assertThat(stats.calls(400)).isEqualTo(1);
    }

    @Test
    void aModelLoadWithoutMessagesIsAnsweredAtOnceAndIsNotCountedAsACall() {
        simulator.resetStats();

        HttpResponse<String> response = client.post("/api/chat",
                "{\"model\": \"simulated\", \"messages\": [], \"stream\": false}");

        JsonNode body = SimulatorClient.json(response.body());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(body.get("done").booleanValue()).isTrue();
        assertThat(body.get("done_reason").stringValue()).isEqualTo("load");
        assertThat(simulator.stats().totalCalls()).isZero();
    }

    @Test
    void theWarmUpServesEveryCallAsAPageExtractionAFewAtATime() {
        OllamaSimulatorStats served = OllamaSimulator.warmUp(40);

        assertThat(served.totalCalls()).isEqualTo(40);
        assertThat(served.calls(200)).isEqualTo(40);
        assertThat(served.peakInFlight()).isBetween(1, 8);
    }
}
