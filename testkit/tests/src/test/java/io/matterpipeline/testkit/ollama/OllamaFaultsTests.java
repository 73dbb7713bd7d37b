package io.matterpipeline.testkit.ollama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OllamaFaultsTests {

    static final String PROMPT = OllamaSimulatorTests.PAGE_PROMPT;

    static OllamaSimulator simulator;
    static SimulatorClient client;

    @BeforeAll
    static void start() {
        simulator = OllamaSimulator.start(OllamaSimulatorOptions.builder().slots(2).build());
        client = new SimulatorClient(simulator);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @BeforeEach
    void reset() {
        simulator.faults().clear().slowDelay(Duration.ofSeconds(90));
        simulator.resetStats();
    }

    @Test
    void serverErrorForTheNextCallsOnly() {
        simulator.faults().injectNext(OllamaFault.SERVER_ERROR, 2);

        List<Integer> statuses = statuses(3);

        assertThat(statuses).containsExactly(500, 500, 200);
        assertThat(simulator.stats().injected(OllamaFault.SERVER_ERROR)).isEqualTo(2);
        simulator.faults().injectNext(OllamaFault.SERVER_ERROR, 1);
        HttpResponse<String> response = client.chat(SimulatorClient.nonStreaming(PROMPT));
        assertThat(SimulatorClient.json(response.body()).get("error").stringValue())
                .isEqualTo(ChatEndpoint.RUNNER_TERMINATED);
    }

    @Test
    void busyAnswersOllamasOwnBody() {
        simulator.faults().injectNext(OllamaFault.BUSY, 1);

        HttpResponse<String> response = client.chat(SimulatorClient.chatRequest(PROMPT));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(SimulatorClient.json(response.body()).get("error").stringValue())
                .isEqualTo("server busy, please try again.  maximum pending requests exceeded");
    }

    @Test
    void slowAnswerOutlastsTheClientTimeout() throws Exception {
        simulator.faults().slowDelay(Duration.ofSeconds(5)).injectNext(OllamaFault.SLOW, 1);

        assertThatThrownBy(() -> client.chatAsync(SimulatorClient.nonStreaming(PROMPT), Duration.ofMillis(300))
                .get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(HttpTimeoutException.class);
        HttpResponse<String> next = client.chat(SimulatorClient.nonStreaming(PROMPT));
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(simulator.stats().injected(OllamaFault.SLOW)).isEqualTo(1);
    }

    @Test
    void slowAnswerStillArrivesForAPatientClient() {
        simulator.faults().slowDelay(Duration.ofMillis(400)).injectNext(OllamaFault.SLOW, 1);

        HttpResponse<String> response = client.chat(SimulatorClient.nonStreaming(PROMPT));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(SimulatorClient.json(response.body()).get("total_duration").longValue())
                .isGreaterThanOrEqualTo(Duration.ofMillis(400).toNanos());
    }

    @Test
    void heldAnswersKeepTheirSlotsUntilReleased() throws Exception {
        simulator.faults().hold();

        var first = client.chatAsync(SimulatorClient.nonStreaming(PROMPT), Duration.ofSeconds(20));
        var second = client.chatAsync(SimulatorClient.nonStreaming(PROMPT), Duration.ofSeconds(20));
        var third = client.chatAsync(SimulatorClient.nonStreaming(PROMPT), Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(10)).until(() -> simulator.stats().inFlight() == 2
                && simulator.stats().queued() == 1);

        assertThat(List.of(first, second, third)).noneMatch(java.util.concurrent.Future::isDone);
        simulator.faults().release();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(second.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(third.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(simulator.stats().peakInFlight()).isEqualTo(2);
    }

    @Test
    void truncatedAnswerIsCutJsonWithDoneReasonLength() {
        simulator.faults().injectNext(OllamaFault.TRUNCATED, 2);
        String full = SimulatedExtraction.fromUserMessage(PROMPT);

        JsonNode body = SimulatorClient.json(client.chat(SimulatorClient.nonStreaming(PROMPT)).body());
        List<String> streamed = client.chat(SimulatorClient.chatRequest(PROMPT)).body().lines().toList();

        String content = body.get("message").get("content").stringValue();
        assertThat(body.get("done_reason").stringValue()).isEqualTo("length");
        assertThat(full).startsWith(content).isNotEqualTo(content);
        assertThatThrownBy(() -> SimulatorClient.json(content)).isInstanceOf(JacksonException.class);
        JsonNode last = SimulatorClient.json(streamed.get(streamed.size() - 1));
        assertThat(last.get("done_reason").stringValue()).isEqualTo("length");
    }

    @Test
    void schemaViolationsRotateThroughMissingFieldWrongTypeAndExtraProperty() {
        simulator.faults().injectNext(OllamaFault.SCHEMA_VIOLATION, 3);

        List<JsonNode> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode body = SimulatorClient.json(client.chat(SimulatorClient.nonStreaming(PROMPT)).body());
            assertThat(body.get("done_reason").stringValue()).isEqualTo("stop");
            answers.add(SimulatorClient.json(body.get("message").get("content").stringValue()));
        }

        assertThat(answers.get(0).has("summary")).isFalse();
        assertThat(answers.get(1).get("parties").isString()).isTrue();
        assertThat(answers.get(2).has("confidence")).isTrue();
        JsonNode normal = SimulatorClient.json(SimulatorClient.json(
                client.chat(SimulatorClient.nonStreaming(PROMPT)).body()).get("message").get("content").stringValue());
        assertThat(normal.has("summary")).isTrue();
        assertThat(normal.get("parties").isArray()).isTrue();
        assertThat(normal.has("confidence")).isFalse();
    }

    @Test
    void ratesCanBeChangedWhileRunning() {
        simulator.faults().rate(OllamaFault.SERVER_ERROR, 1.0);
        assertThat(statuses(2)).containsExactly(500, 500);

        simulator.faults().rate(OllamaFault.SERVER_ERROR, 0.0);
        assertThat(statuses(2)).containsExactly(200, 200);
    }

    @Test
    void sameSeedGivesTheSameFaultSequence() {
        OllamaSimulatorOptions options = OllamaSimulatorOptions.builder().seed(7)
                .faultRate(OllamaFault.SERVER_ERROR, 0.3).faultRate(OllamaFault.BUSY, 0.2).build();

        List<Integer> first = statusesOf(options, 40);
        List<Integer> second = statusesOf(options, 40);
        List<Integer> otherSeed = statusesOf(options.toBuilder().seed(8).build(), 40);

        assertThat(first).isEqualTo(second).contains(200, 500, 503).isNotEqualTo(otherSeed);
    }

    @Test
    void invalidRatesAreRejected() {
        assertThatThrownBy(() -> simulator.faults().rate(OllamaFault.BUSY, 1.5))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OllamaSimulatorOptions.builder().faultRate(OllamaFault.BUSY, -0.1).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static List<Integer> statusesOf(OllamaSimulatorOptions options, int calls) {
        try (OllamaSimulator other = OllamaSimulator.start(options)) {
            SimulatorClient otherClient = new SimulatorClient(other);
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                statuses.add(otherClient.chat(SimulatorClient.nonStreaming(PROMPT)).statusCode());
            }
            return statuses;
        }
    }

    private static List<Integer> statuses(int calls) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            statuses.add(client.chat(SimulatorClient.nonStreaming(PROMPT)).statusCode());
        }
        return statuses;
    }
}
