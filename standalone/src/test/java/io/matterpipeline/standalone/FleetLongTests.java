package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.testkit.fleet.FleetPlan;
import io.matterpipeline.testkit.fleet.FleetSummary;
import io.matterpipeline.testkit.fleet.ScalingRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The long fleet scenarios of issue 14, each a separate run of the four services as OS processes from their jars.
 * Opt-in, since each takes minutes and many JVMs:
 * {@code ./mvnw -B -ntp -pl standalone -am verify -Dsurefire.failIfNoSpecifiedTests=false -Dtest='FleetLongTests'
 * -Dfleet.long=true}. Output (timeline.jsonl, timeline.svg, summary.json, logs) in
 * {@code standalone/target/fleet/<scenario>}.
 */
@EnabledIfSystemProperty(named = "fleet.long", matches = "true",
        disabledReason = "minutes per scenario; run with -Dfleet.long=true (see BENCHMARKS.md)")
class FleetLongTests {

    @TempDir
    Path work;

    @Test
    void scalesOutToTheMaximumOnBacklogAndBackToTheMinimumWithoutRedelivery() throws Exception {
        Path matter = FleetScenario.matter(work.resolve("matter"), 10, 50);
        JsonNode clean = FleetScenario.cleanResult(matter, work.resolve("clean"));
        Path out = Files.createDirectories(Path.of("target", "fleet", "scale-out"));
        Map<String, ScalingRule> rules = FleetScenario.rules("scaling-scale-out.json");

        FleetSummary summary = FleetScenario.run(rules, matter, out, Duration.ofMillis(500), FleetPlan.Chaos.none(),
                true, Duration.ofMinutes(20));

        FleetScenario.assertSameResult(out, clean, 500);
        assertThat(summary.pagesDone()).as("page extractions in the store, one per page").isEqualTo(500);
        ScalingRule workers = rules.get("llm-worker");
        assertThat(workers.defaultInstances()).isEqualTo(1);
        assertThat(summary.mostInstances().get("llm-worker")).isEqualTo(workers.maxInstances());
        assertThat(summary.maximumSeconds()).containsKey("llm-worker");
        assertThat(summary.backToMinimumSeconds()).isNotNull();
        // Nothing was killed and the model never failed: every redelivery would be one scale-in caused.
        assertThat(summary.redeliveries()).isZero();
        assertThat(summary.drained()).isPositive();
        assertThat(summary.gracelessStops()).isZero();
        assertThat(summary.readyWhileDraining()).as("readiness down from the SIGTERM on").isZero();
        assertThat(summary.deadLetters()).isZero();
    }

    @Test
    void survivesTheLossOfAnInstanceOfEveryServiceWithTwoOfEach() throws Exception {
        Path matter = FleetScenario.matter(work.resolve("matter"), 6, 25);
        JsonNode clean = FleetScenario.cleanResult(matter, work.resolve("clean"));
        Path out = Files.createDirectories(Path.of("target", "fleet", "instance-loss"));

        FleetSummary summary = FleetScenario.run(FleetScenario.rules("scaling-two-of-each.json"), matter, out,
                Duration.ofSeconds(1), new FleetPlan.Chaos(Duration.ofSeconds(10), 1, null, 0, Duration.ZERO, 10),
                false, Duration.ofMinutes(15));

        FleetScenario.assertSameResult(out, clean, 150);
        assertThat(summary.pagesDone()).as("page extractions in the store, one per page").isEqualTo(150);
        assertThat(summary.kills()).isEqualTo(Map.of("ingest-service", 1, "page-splitter", 1, "llm-worker", 1,
                "aggregator", 1));
        assertThat(summary.deadLetters()).isZero();
    }

    @Test
    void survivesABrokerKilledAndRestartedFromItsDataDirectory() throws Exception {
        Path matter = FleetScenario.matter(work.resolve("matter"), 6, 25);
        JsonNode clean = FleetScenario.cleanResult(matter, work.resolve("clean"));
        Path out = Files.createDirectories(Path.of("target", "fleet", "broker-loss"));

        FleetSummary summary = FleetScenario.run(FleetScenario.rules("scaling-two-of-each.json"), matter, out,
                Duration.ofSeconds(1), new FleetPlan.Chaos(null, 0, Duration.ofSeconds(5), 1, Duration.ofSeconds(5),
                        10), false, Duration.ofMinutes(15));

        FleetScenario.assertSameResult(out, clean, 150);
        assertThat(summary.pagesDone()).as("page extractions in the store, one per page").isEqualTo(150);
        assertThat(summary.brokerKills()).isEqualTo(1);
        assertThat(summary.kills()).isEmpty();
        assertThat(summary.deadLetters()).isZero();
    }
}
