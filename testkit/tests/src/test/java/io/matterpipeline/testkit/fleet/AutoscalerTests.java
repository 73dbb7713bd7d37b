package io.matterpipeline.testkit.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoscalerTests {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** Out above 10 per instance by 1 (cooldown 60 s), in below 2 per instance by 1 (cooldown 300 s). */
    private static ScalingRule workers(int minimum, int maximum, int initial) {
        return new ScalingRule("llm-worker", List.of("pages"), minimum, maximum, initial, Duration.ZERO, 10, 2, 1, 1,
                Duration.ofSeconds(60), Duration.ofSeconds(300));
    }

    private static Map<String, Long> pages(long active) {
        return Map.of("pages", active);
    }

    @Test
    void scalesOutByScaleOutByWhenTheBacklogPerInstanceIsAboveTheThresholdOncePerCooldown() {
        Autoscaler autoscaler = new Autoscaler(workers(1, 3, 1));

        assertThat(autoscaler.evaluate(T0, pages(10))).as("10 per instance is not above 10").isEqualTo(1);
        assertThat(autoscaler.evaluate(T0.plusSeconds(1), pages(11))).isEqualTo(2);
        assertThat(autoscaler.evaluate(T0.plusSeconds(30), pages(500))).as("in cooldown").isEqualTo(2);
        assertThat(autoscaler.evaluate(T0.plusSeconds(61), pages(500))).isEqualTo(3);
        assertThat(autoscaler.evaluate(T0.plusSeconds(200), pages(5000))).as("maximum").isEqualTo(3);
    }

    @Test
    void scalesInBelowTheThresholdAfterTheScaleInCooldownDownToTheMinimum() {
        Autoscaler autoscaler = new Autoscaler(workers(1, 3, 3));

        assertThat(autoscaler.evaluate(T0, pages(0))).isEqualTo(2);
        assertThat(autoscaler.evaluate(T0.plusSeconds(299), pages(0))).as("in cooldown").isEqualTo(2);
        assertThat(autoscaler.evaluate(T0.plusSeconds(300), pages(0))).isEqualTo(1);
        assertThat(autoscaler.evaluate(T0.plusSeconds(900), pages(0))).as("minimum").isEqualTo(1);
    }

    @Test
    void doesNotScaleInWhenTheSmallerCountWouldScaleOutAgain() {
        Autoscaler autoscaler = new Autoscaler(new ScalingRule("llm-worker", List.of("pages"), 1, 10, 10,
                Duration.ZERO, 10, 8, 1, 5, Duration.ZERO, Duration.ZERO));

        // 70 / 10 = 7 is below 8, but 70 / 5 = 14 is above 10: Azure's flapping guard keeps 10.
        assertThat(autoscaler.evaluate(T0, pages(70))).isEqualTo(10);
        assertThat(autoscaler.evaluate(T0.plusSeconds(1), pages(40))).isEqualTo(5);
    }

    @Test
    void scalesOutOnAnyOfItsQueuesAndInOnlyWhenAllAreLow() {
        Autoscaler autoscaler = new Autoscaler(new ScalingRule("ingest-service", List.of("blob-events",
                "ingest-requests"), 1, 3, 2, Duration.ZERO, 100, 10, 1, 1, Duration.ZERO, Duration.ZERO));

        assertThat(autoscaler.evaluate(T0, Map.of("blob-events", 0, "ingest-requests", 201))).isEqualTo(3);
        assertThat(autoscaler.evaluate(T0.plusSeconds(1), Map.of("blob-events", 0, "ingest-requests", 60)))
                .as("20 per instance on one queue is not below 10").isEqualTo(3);
        assertThat(autoscaler.evaluate(T0.plusSeconds(2), Map.of("blob-events", 5))).isEqualTo(2);
    }

    @Test
    void averagesTheMetricOverTheWindow() {
        Autoscaler autoscaler = new Autoscaler(new ScalingRule("llm-worker", List.of("pages"), 1, 5, 1,
                Duration.ofSeconds(10), 10, 1, 1, 1, Duration.ZERO, Duration.ZERO));

        assertThat(autoscaler.evaluate(T0, pages(0))).isEqualTo(1);
        assertThat(autoscaler.evaluate(T0.plusSeconds(5), pages(20))).as("average 10, not above").isEqualTo(1);
        assertThat(autoscaler.evaluate(T0.plusSeconds(12), pages(20))).as("the zero left the window").isEqualTo(2);
    }

    @Test
    void readsTheRepositorysScalingFile() throws IOException {
        Map<String, ScalingRule> rules = ScalingFile.read(Path.of("..", "..", "infra", "scaling.json"));

        assertThat(rules).containsOnlyKeys("ingest-service", "page-splitter", "llm-worker", "aggregator");
        assertThat(rules.get("llm-worker").queues()).containsExactly("pages");
    }

    @Test
    void readsEveryKeyOfARule(@TempDir Path folder) throws IOException {
        Path file = folder.resolve("scaling.json");
        Files.writeString(file, """
                {"window": "PT5M", "services": {"llm-worker": {"queues": ["pages"], "minInstances": 1,
                  "maxInstances": 8, "defaultInstances": 2, "scaleOutAboveMessagesPerInstance": 20,
                  "scaleInBelowMessagesPerInstance": 2, "scaleOutBy": 2, "scaleInBy": 1,
                  "scaleOutCooldown": "PT3M", "scaleInCooldown": "PT10M"}}}
                """);

        assertThat(ScalingFile.read(file).get("llm-worker")).isEqualTo(new ScalingRule("llm-worker",
                List.of("pages"), 1, 8, 2, Duration.ofMinutes(5), 20, 2, 2, 1, Duration.ofMinutes(3),
                Duration.ofMinutes(10)));
    }

    @Test
    void namesTheServiceAndKeyOfAnIncompleteRule(@TempDir Path folder) throws IOException {
        Path file = folder.resolve("scaling.json");
        Files.writeString(file, "{\"window\": \"PT1M\", \"services\": {\"aggregator\": {\"queues\": [\"results\"],"
                + " \"minInstances\": 1, \"maxInstances\": 2, \"defaultInstances\": 1}}}");

        assertThatThrownBy(() -> ScalingFile.read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("aggregator: missing \"scaleOutAboveMessagesPerInstance\"");
    }
}
