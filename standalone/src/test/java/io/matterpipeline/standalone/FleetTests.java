package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.testkit.fleet.FleetPlan;
import io.matterpipeline.testkit.fleet.FleetSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The fleet in the default build: the four services as separate processes from their jars over the emulator process,
 * autoscaled by a small scaling file; mid-Matter one instance of every service is SIGKILLed and the broker is
 * SIGKILLed and started again from its data directory. The result equals the clean single-process run.
 * The long scenarios are {@link FleetLongTests}.
 */
class FleetTests {

    @TempDir
    Path work;

    @Test
    void sixtyPagesSurviveAKillOfEveryServiceAndABrokerRestart() throws Exception {
        Path matter = FleetScenario.matter(work.resolve("matter"), 3, 20);
        JsonNode clean = FleetScenario.cleanResult(matter, work.resolve("clean"));
        Path out = Files.createDirectories(Path.of("target", "fleet", "small"));

        FleetSummary summary = FleetScenario.run(FleetScenario.rules("scaling-small.json"), matter, out,
                Duration.ofSeconds(1), new FleetPlan.Chaos(Duration.ofSeconds(8), 1, Duration.ofSeconds(12), 1,
                        Duration.ofSeconds(3), 5), false, Duration.ofMinutes(6));

        FleetScenario.assertSameResult(out, clean, 60);
        assertThat(summary.kills()).isEqualTo(Map.of("ingest-service", 1, "page-splitter", 1, "llm-worker", 1,
                "aggregator", 1));
        assertThat(summary.brokerKills()).isEqualTo(1);
        assertThat(summary.deadLetters()).isZero();
        assertThat(FleetScenario.timeline(out)).anyMatch(line -> line.contains("\"broker restarted\""));
        assertThat(out.resolve("timeline.svg")).content().startsWith("<svg").contains("llm-worker");
    }
}
