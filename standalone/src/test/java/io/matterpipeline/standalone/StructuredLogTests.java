package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.testkit.ollama.OllamaFault;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The log of a failing page as an operator reads it: JSON lines (Spring Boot structured logging, Elastic Common
 * Schema), each line written while the page was handled carrying the page's Matter, document, page number and trace;
 * and no secret of the configuration in any line, even at DEBUG — the model server's API key (sent on every call) and
 * the bootstrap admin token.
 */
class StructuredLogTests {

    private static final String API_KEY = "sk-model-server-secret-5f2b8c1d9e";
    private static final String ADMIN_TOKEN = "admin-token-secret-0123456789-abcdef";

    @TempDir
    Path work;

    private OllamaSimulator simulator;

    @BeforeEach
    void startAModelThatAlwaysFails() {
        simulator = OllamaSimulator.start();
        simulator.faults().rate(OllamaFault.SERVER_ERROR, 1.0);
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    @Test
    void theJsonLinesOfAFailingPageCarryItsIdsAndNoSecret() throws IOException {
        Path folder = Files.createDirectories(work.resolve("matter"));
        Files.writeString(folder.resolve("letter.txt"), "Acme Corp agrees to pay Roadrunner LLC USD 10,000.");
        Path out = work.resolve("out");

        int exit = MatterPipelineCommand.commandLine().execute("process", folder.toString(),
                "--out", out.toString(), "--no-progress", "--model-url", simulator.baseUrl(),
                "-Dmatter-pipeline.worker.endpoints[0].url=" + simulator.baseUrl(),
                "-Dmatter-pipeline.worker.endpoints[0].api=openai",
                "-Dmatter-pipeline.worker.endpoints[0].api-key=" + API_KEY,
                "-Dmatter-pipeline.admin-token=" + ADMIN_TOKEN,
                "-Dmatter-pipeline.worker.consumer.max-deliveries=2",
                "-Dlogging.structured.format.file=ecs",
                "-Dlogging.level.io.matterpipeline=DEBUG",
                "-Dmatter-pipeline.worker.model.log-requests=true");

        assertThat(exit).as("the page failed, so the Matter is not COMPLETED").isNotZero();
        JsonNode result = MessageCodec.mapper().readTree(out.resolve("result.json").toFile());
        String matterId = result.path("matterId").asString();
        String documentId = result.path("documents").get(0).path("documentId").asString();
        assertThat(result.path("failures")).isNotEmpty();
        assertThat(simulator.stats().totalCalls()).as("the API key went out on real calls").isPositive();

        List<JsonNode> lines = new ArrayList<>();
        List<String> raw = Files.readAllLines(out.resolve("pipeline.log"));
        for (String line : raw) {
            lines.add(MessageCodec.mapper().readTree(line)); // every line is JSON
        }
        assertThat(raw).as("no line holds a secret").noneMatch(line -> line.contains(API_KEY))
                .noneMatch(line -> line.contains(ADMIN_TOKEN));
        List<JsonNode> pageLines = lines.stream()
                .filter(line -> "1".equals(line.path("pageNumber").asString(null)))
                .toList();
        assertThat(pageLines).as("lines written while page 1 was handled").isNotEmpty()
                .allSatisfy(line -> {
                    assertThat(line.path("matterId").asString()).isEqualTo(matterId);
                    assertThat(line.path("documentId").asString()).isEqualTo(documentId);
                    assertThat(line.path("traceId").asString()).hasSize(32);
                    assertThat(line.path("spanId").asString()).hasSize(16);
                });
        assertThat(pageLines).as("the failure itself is among them, at WARN or ERROR")
                .anySatisfy(line -> assertThat(line.path("log").path("level").asString()).isIn("WARN", "ERROR"));
    }
}
