package io.matterpipeline.testkit.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OllamaSimulatorConcurrencyTests {

    @Test
    void neverMoreCallsInFlightThanSlotsAndTheRestWait() throws Exception {
        OllamaSimulatorOptions options = OllamaSimulatorOptions.builder()
                .slots(3).maxQueue(100).latency(Duration.ofMillis(300)).build();
        try (OllamaSimulator simulator = OllamaSimulator.start(options)) {
            SimulatorClient client = new SimulatorClient(simulator);

            List<HttpResponse<String>> responses = sendConcurrently(client, 15, false);

            assertThat(responses).extracting(HttpResponse::statusCode).containsOnly(200);
            OllamaSimulatorStats stats = awaitIdle(simulator);
            assertThat(stats.peakInFlight()).isEqualTo(3);
            assertThat(stats.peakQueued()).isPositive();
            assertThat(stats.calls(200)).isEqualTo(15);
        }
    }

    @Test
    void streamingCallsHoldTheirSlotUntilTheLastLine() throws Exception {
        OllamaSimulatorOptions options = OllamaSimulatorOptions.builder()
                .slots(2).maxQueue(100).latency(Duration.ofMillis(200)).build();
        try (OllamaSimulator simulator = OllamaSimulator.start(options)) {
            SimulatorClient client = new SimulatorClient(simulator);

            List<HttpResponse<String>> responses = sendConcurrently(client, 8, true);

            assertThat(responses).extracting(HttpResponse::statusCode).containsOnly(200);
            assertThat(responses).allSatisfy(response -> assertThat(response.body()).contains("\"done\":true"));
            assertThat(awaitIdle(simulator).peakInFlight()).isEqualTo(2);
        }
    }

    @Test
    void callsBeyondTheQueueGetOllamasBusyAnswer() throws Exception {
        OllamaSimulatorOptions options = OllamaSimulatorOptions.builder()
                .slots(1).maxQueue(1).latency(Duration.ofMillis(1500)).build();
        try (OllamaSimulator simulator = OllamaSimulator.start(options)) {
            SimulatorClient client = new SimulatorClient(simulator);

            List<HttpResponse<String>> responses = sendConcurrently(client, 4, false);

            assertThat(responses).extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(200, 200, 503, 503);
            assertThat(responses).filteredOn(response -> response.statusCode() == 503)
                    .extracting(HttpResponse::body)
                    .containsOnly("{\"error\":\"server busy, please try again.  maximum pending requests exceeded\"}");
            OllamaSimulatorStats stats = awaitIdle(simulator);
            assertThat(stats.calls(503)).isEqualTo(2);
            assertThat(stats.peakQueued()).isEqualTo(1);
        }
    }

    private static List<HttpResponse<String>> sendConcurrently(SimulatorClient client, int calls, boolean stream)
            throws Exception {
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            String page = "<page number=\"" + i + "\">The Tenant shall pay $" + (100 + i) + " on 2024-05-01.</page>";
            futures.add(client.chatAsync(SimulatorClient.chatRequest(page).put("stream", stream), Duration.ofSeconds(30)));
        }
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> future : futures) {
            responses.add(future.get(40, TimeUnit.SECONDS));
        }
        return responses;
    }

    /** The server counts a call as ended just after its last byte, so the client can be a moment ahead. */
    static OllamaSimulatorStats awaitIdle(OllamaSimulator simulator) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        OllamaSimulatorStats stats = simulator.stats();
        while ((stats.inFlight() > 0 || stats.queued() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            stats = simulator.stats();
        }
        assertThat(stats.inFlight()).isZero();
        assertThat(stats.queued()).isZero();
        return stats;
    }
}
