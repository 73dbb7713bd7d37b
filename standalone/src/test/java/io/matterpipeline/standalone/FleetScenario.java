package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.standalone.bench.SyntheticPages;
import io.matterpipeline.testkit.fleet.Fleet;
import io.matterpipeline.testkit.fleet.FleetPlan;
import io.matterpipeline.testkit.fleet.FleetSummary;
import io.matterpipeline.testkit.fleet.ScalingFile;
import io.matterpipeline.testkit.fleet.ScalingRule;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the fleet tests share: a synthetic Matter, its clean single-process result ({@code matter-pipeline.jar
 * process}), a fleet run of the same Matter from the services' jars, and the comparison of the two results.
 */
final class FleetScenario {

    /** The repository root: the services' jars are in {@code <service>/target}. */
    static final Path REPOSITORY = Path.of("..");

    private FleetScenario() {
    }

    /** {@code documents} text documents of {@code pages} pages each. */
    static Path matter(Path folder, int documents, int pages) throws IOException {
        Files.createDirectories(folder);
        for (int document = 1; document <= documents; document++) {
            Files.write(folder.resolve(String.format("filing-%03d.txt", document)),
                    SyntheticPages.document(document, pages, 1200));
        }
        return folder;
    }

    /** The Matter's result from the single-JVM main job over the model simulator. */
    static JsonNode cleanResult(Path matter, Path out) throws IOException {
        try (OllamaSimulator model = OllamaSimulator.start()) {
            int exit = MatterPipelineCommand.commandLine().execute("process", matter.toString(), "--out",
                    out.toString(), "--no-progress", "--model-url", model.baseUrl());
            assertThat(exit).as("clean run exit code").isZero();
        }
        return comparable(out.resolve("result.json"));
    }

    static Map<String, ScalingRule> rules(String resource) throws IOException {
        return ScalingFile.read(Path.of("src", "test", "resources", "fleet", resource));
    }

    static FleetSummary run(Map<String, ScalingRule> rules, Path matter, Path out, Duration modelLatency,
            FleetPlan.Chaos chaos, boolean untilMinimum, Duration timeout) throws Exception {
        for (String service : FleetPlan.SERVICES) {
            try (var jars = Files.list(REPOSITORY.resolve(service).resolve("target"))) {
                assertThat(jars.anyMatch(jar -> jar.getFileName().toString().endsWith("-exec.jar")))
                        .as(service + " jar: build the services first (./mvnw -DskipTests package, or -am)").isTrue();
            }
        }
        FleetPlan plan = new FleetPlan(REPOSITORY, rules, matter, out, modelLatency, 64, 4, Duration.ofSeconds(15),
                Duration.ofSeconds(30), chaos, untilMinimum, timeout, Duration.ofMillis(500),
                FleetPlan.DEFAULT_JVM_OPTIONS, 7);
        FleetSummary summary = new Fleet(plan).run();
        System.out.println(summary.line());
        return summary;
    }

    /** The result without what differs between two runs by nature: ids, timestamps and timings. */
    static JsonNode comparable(Path resultFile) throws IOException {
        JsonNode result = MessageCodec.mapper().readTree(resultFile.toFile());
        strip(result, Set.of("matterId", "documentId", "completedAt", "modelMillis"));
        return result;
    }

    private static void strip(JsonNode node, Set<String> fields) {
        if (node instanceof ObjectNode object) {
            fields.forEach(object::remove);
        }
        node.forEach(child -> strip(child, fields));
    }

    /** Asserts the fleet's result equals the clean run's and every page was extracted. */
    static void assertSameResult(Path fleetOut, JsonNode clean, int pages) throws IOException {
        JsonNode result = comparable(fleetOut.resolve("result.json"));
        assertThat(result.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(result.path("summary").path("pagesExtracted").asInt()).isEqualTo(pages);
        assertThat(result).isEqualTo(clean);
    }

    static List<String> timeline(Path fleetOut) throws IOException {
        return Files.readAllLines(fleetOut.resolve("timeline.jsonl"));
    }
}
