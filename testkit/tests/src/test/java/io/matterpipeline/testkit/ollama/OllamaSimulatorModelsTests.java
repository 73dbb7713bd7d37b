package io.matterpipeline.testkit.ollama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A simulator given the models it has answers like an Ollama (or vLLM) that lacks the one asked for. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OllamaSimulatorModelsTests {

    static OllamaSimulator simulator;
    static SimulatorClient client;

    @BeforeAll
    static void start() {
        simulator = OllamaSimulator.start(OllamaSimulatorOptions.builder()
                .models(List.of("llama3.1:8b", "qwen2.5")).build());
        client = new SimulatorClient(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @Test
    void tagsListTheModelsItHasANameWithoutATagMeaningLatest() {
        JsonNode tags = SimulatorClient.json(client.get("/api/tags").body());
        JsonNode openAi = SimulatorClient.json(client.get("/v1/models").body());

        assertThat(tags.get("models").valueStream().map(model -> model.get("name").stringValue()))
                .containsExactly("llama3.1:8b", "qwen2.5:latest");
        assertThat(openAi.get("data").valueStream().map(model -> model.get("id").stringValue()))
                .containsExactly("llama3.1:8b", "qwen2.5:latest");
    }

    @Test
    void aChatForAModelItHasIsAnsweredAndOneForAnotherIs404LikeOllama() {
        ObjectNode known = SimulatorClient.nonStreaming(OllamaSimulatorTests.PAGE_PROMPT);
        ObjectNode unknown = SimulatorClient.nonStreaming(OllamaSimulatorTests.PAGE_PROMPT).put("model", "mistral:7b");
        ObjectNode latest = SimulatorClient.nonStreaming(OllamaSimulatorTests.PAGE_PROMPT).put("model", "qwen2.5");

        HttpResponse<String> answered = client.chat(known);
        HttpResponse<String> missing = client.chat(unknown);

        assertThat(answered.statusCode()).isEqualTo(200);
        assertThat(SimulatorClient.json(answered.body()).get("model").stringValue()).isEqualTo(OllamaSimulator.MODEL);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(SimulatorClient.json(missing.body()).get("error").stringValue())
                .isEqualTo("model 'mistral:7b' not found");
        assertThat(client.chat(latest).statusCode()).isEqualTo(200);
    }

    @Test
    void aModelLoadForAModelItLacksIs404AndNotCountedAsACall() {
        simulator.resetStats();
        ObjectNode load = OllamaJson.object().put("model", "mistral:7b");
        load.putArray("messages");

        HttpResponse<String> response = client.post("/api/chat", OllamaJson.write(load));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(simulator.stats().totalCalls()).isZero();
    }

    @Test
    void showAnswersTheDetailsOfAModelItHasAnd404ForAnother() {
        HttpResponse<String> shown = client.post("/api/show", "{\"model\": \"llama3.1:8b\"}");
        HttpResponse<String> byOldName = client.post("/api/show", "{\"name\": \"qwen2.5:latest\"}");
        HttpResponse<String> missing = client.post("/api/show", "{\"model\": \"llama3.1:70b\"}");
        HttpResponse<String> nameless = client.post("/api/show", "{}");

        assertThat(shown.statusCode()).isEqualTo(200);
        assertThat(SimulatorClient.json(shown.body()).get("details").get("format").stringValue()).isEqualTo("gguf");
        assertThat(byOldName.statusCode()).isEqualTo(200);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(SimulatorClient.json(missing.body()).get("error").stringValue())
                .isEqualTo("model 'llama3.1:70b' not found");
        assertThat(nameless.statusCode()).isEqualTo(400);
    }

    @Test
    void anOpenAiChatForAModelItLacksIs404LikeVllm() {
        ObjectNode request = OllamaJson.object().put("model", "mistral:7b");
        request.putArray("messages").addObject().put("role", "user").put("content", OllamaSimulatorTests.PAGE_PROMPT);

        HttpResponse<String> response = client.post("/v1/chat/completions", OllamaJson.write(request));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(SimulatorClient.json(response.body()).get("error").get("type").stringValue())
                .isEqualTo("NotFoundError");
    }

    @Test
    void byDefaultEveryNameIsServedAndShown() {
        try (OllamaSimulator open = OllamaSimulator.start()) {
            SimulatorClient openClient = new SimulatorClient(open);

            assertThat(openClient.post("/api/show", "{\"model\": \"anything:1b\"}").statusCode()).isEqualTo(200);
            assertThat(openClient.chat(SimulatorClient.nonStreaming(OllamaSimulatorTests.PAGE_PROMPT)
                    .put("model", "anything:1b")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aBlankModelNameIsRefused() {
        assertThatThrownBy(() -> OllamaSimulatorOptions.builder().models(List.of(" ")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blank");
    }
}
