package io.matterpipeline.standalone.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.contract.MessageCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class BenchServersTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path logs;

    @Test
    void theChildJvmServesTheReplicasCountsTheirCallsAndReportsItsCpuTime() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();
        try (BenchServers servers = BenchServers.start(
                List.of("--replicas", "2", "--slots", "2", "--model-latency", "0ms"), logs.resolve("servers.log"))) {
            assertThat(servers.modelUrls()).hasSize(2);
            // Starting a JVM alone takes far more CPU than the operating system's accounting tick (10 ms on Linux).
            Duration started = servers.cpuTime();
            assertThat(started).isPositive();

            ObjectNode chat = MessageCodec.mapper().createObjectNode().put("model", "m").put("stream", false);
            chat.putArray("messages").addObject().put("role", "user").put("content", SyntheticPages.page(1, 1, 400));
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(servers.modelUrls().get(1)
                            + "/api/chat"))
                    .timeout(WAIT)
                    .POST(HttpRequest.BodyPublishers.ofString(MessageCodec.mapper().writeValueAsString(chat)))
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).isEqualTo(200);
            JsonNode stats = servers.stats();
            assertThat(stats.values()).extracting(replica -> replica.path("calls").asInt()).containsExactly(0, 1);
            assertThat(servers.cpuTime()).isGreaterThanOrEqualTo(started);
        }
    }
}
