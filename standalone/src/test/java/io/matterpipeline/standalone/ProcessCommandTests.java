package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.testkit.net.LoopbackPorts;
import io.matterpipeline.testkit.kafka.KafkaBroker;
import io.matterpipeline.testkit.kafka.KafkaBrokerOptions;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The main job, run as a user runs it, on the repository's sample Matter. */
class ProcessCommandTests {

    private static final Path SAMPLES = Path.of("..", "samples");

    private static OllamaSimulator simulator;

    @TempDir
    Path work;

    @BeforeAll
    static void startSimulator() {
        simulator = OllamaSimulator.start();
    }

    @AfterAll
    static void stopSimulator() {
        simulator.close();
    }

    @Test
    void processesTheSampleMatter() throws IOException {
        Path out = work.resolve("out");

        int exit = process(out, "--model-url", simulator.baseUrl());

        assertThat(exit).isEqualTo(ProcessCommand.EXIT_COMPLETED);
        JsonNode result = MessageCodec.mapper().readTree(out.resolve("result.json").toFile());
        assertThat(result.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(result.path("model").asString()).isEqualTo("simulated");
        assertThat(result.path("documents")).hasSize(3);

        JsonNode pdf = document(result, "master-services-agreement.pdf");
        assertThat(pdf.path("kind").asString()).isEqualTo("pdf");
        assertThat(pdf.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(pdf.path("pageCount").asInt()).isEqualTo(pdfPageCount(SAMPLES.resolve("master-services-agreement.pdf")));
        assertThat(pdf.path("averageWordConfidence").isNull()).isTrue();
        assertThat(pdf.path("pages")).hasSize(3);
        for (JsonNode page : pdf.path("pages")) {
            assertThat(page.path("status").asString()).isEqualTo("EXTRACTED");
            assertThat(page.path("textLength").asInt()).isPositive();
            assertThat(page.path("extraction").isObject()).isTrue();
        }
        // Items carry the pages they were found on: the fee is on page 2, the pending case on page 3.
        assertThat(item(pdf.path("items").path("amounts"), "amount", "250000").path("pages").toString())
                .isEqualTo("[2]");
        assertThat(item(pdf.path("items").path("caseNumbers"), "value", "2023-CV-04417").path("pages").toString())
                .isEqualTo("[3]");
        assertThat(item(pdf.path("items").path("dates"), "date", "2024-03-15").path("pages").toString())
                .isEqualTo("[1]");

        JsonNode ocr = document(result, "scheduling-order.ocr.json");
        assertThat(ocr.path("kind").asString()).isEqualTo("analyze-result");
        assertThat(ocr.path("pageCount").asInt()).isEqualTo(2);
        assertThat(ocr.path("pages").get(0).path("averageWordConfidence").asDouble()).isCloseTo(0.9872,
                org.assertj.core.data.Offset.offset(0.0001));
        assertThat(ocr.path("pages").get(1).path("averageWordConfidence").asDouble()).isCloseTo(0.954,
                org.assertj.core.data.Offset.offset(0.0001));
        assertThat(item(ocr.path("items").path("amounts"), "amount", "1250000").path("pages").toString())
                .isEqualTo("[2]");

        JsonNode text = document(result, "settlement-letter.txt");
        assertThat(text.path("kind").asString()).isEqualTo("text");
        assertThat(text.path("pageCount").asInt()).isEqualTo(2);
        assertThat(text.path("averageWordConfidence").isNull()).isTrue();

        // The same case number, merged across documents, names each document and page.
        JsonNode caseNumber = item(result.path("items").path("caseNumbers"), "value", "2023-CV-04417");
        assertThat(caseNumber.path("documents")).hasSize(3);
    }

    @Test
    void duplicateDeliveriesAndHandlerCrashesDoNotChangeTheResult() throws IOException {
        // The samples plus a 40-page filing: enough messages (well over 100 settlements) that 10 % crashes happen.
        Path folder = Files.createDirectories(work.resolve("matter"));
        try (var samples = Files.list(SAMPLES)) {
            for (Path sample : samples.toList()) {
                Files.copy(sample, folder.resolve(sample.getFileName()));
            }
        }
        StringBuilder filing = new StringBuilder();
        for (int page = 1; page <= 40; page++) {
            filing.append("EXHIBIT ").append(page).append(" to Case No. 2023-CV-04417\n")
                    .append("Invoice dated 2024-").append(String.format("%02d", page % 12 + 1)).append("-15 for $")
                    .append(page * 1000).append(".00. The Client shall pay within 30 days.\n\f");
        }
        Files.writeString(folder.resolve("exhibits.txt"), filing);
        Path clean = work.resolve("clean");
        Path faulty = work.resolve("faulty");

        int cleanExit = processFolder(folder, clean, "--model-url", simulator.baseUrl());
        int faultyExit = processFolder(folder, faulty, "--model-url", simulator.baseUrl(),
                "-Dmatter-pipeline.bus.in-memory.duplicate-delivery-rate=0.3",
                "-Dmatter-pipeline.bus.in-memory.handler-crash-rate=0.1",
                "-Dmatter-pipeline.bus.in-memory.seed=7",
                "-Dmatter-pipeline.bus.in-memory.lock-duration=1s",
                "-Dmatter-pipeline.bus.in-memory.max-delivery-count=50",
                "-Dlogging.level.io.matterpipeline.bus.memory=DEBUG");

        assertThat(cleanExit).isEqualTo(ProcessCommand.EXIT_COMPLETED);
        assertThat(faultyExit).isEqualTo(ProcessCommand.EXIT_COMPLETED);
        assertThat(comparable(faulty.resolve("result.json"))).isEqualTo(comparable(clean.resolve("result.json")));
        // The faults really happened: the bus logs each one it injects.
        String log = Files.readString(faulty.resolve("pipeline.log"));
        assertThat(log).contains("Fault injection: delivering").contains("Fault injection: dropping the completion");
    }

    @Test
    void overKafkaTheResultIsTheSameAsInMemory() throws IOException {
        Path inMemory = work.resolve("in-memory");
        Path overKafka = work.resolve("kafka");
        int inMemoryExit = process(inMemory, "--model-url", simulator.baseUrl());
        int kafkaExit;
        String bootstrap;
        try (KafkaBroker kafka = KafkaBroker.start(KafkaBrokerOptions.pipelineTopics(2))) {
            bootstrap = kafka.bootstrapServers();
            kafkaExit = process(overKafka, "--model-url", simulator.baseUrl(), "--kafka", kafka.bootstrapServers());
        }

        assertThat(inMemoryExit).isEqualTo(ProcessCommand.EXIT_COMPLETED);
        assertThat(kafkaExit).isEqualTo(ProcessCommand.EXIT_COMPLETED);
        assertThat(comparable(overKafka.resolve("result.json"))).isEqualTo(comparable(inMemory.resolve("result.json")));
        // The Kafka clients log their configuration: the run really went through the broker.
        assertThat(Files.readString(overKafka.resolve("pipeline.log"))).contains("bootstrap.servers = [" + bootstrap);
    }

    @Test
    void aBrokenDocumentEndsPartialAndIsNamed() throws IOException {
        Path folder = Files.createDirectories(work.resolve("matter"));
        Files.copy(SAMPLES.resolve("settlement-letter.txt"), folder.resolve("letter.txt"));
        Files.write(folder.resolve("broken.pdf"), "%PDF-1.7\nthis is not a pdf body".getBytes());
        Files.write(folder.resolve("empty.txt"), new byte[0]);
        Path out = work.resolve("out");

        int exit = MatterPipelineCommand.commandLine().execute("process", folder.toString(),
                "--out", out.toString(), "--no-progress", "--model-url", simulator.baseUrl());

        assertThat(exit).isEqualTo(ProcessCommand.EXIT_PARTIAL);
        JsonNode result = MessageCodec.mapper().readTree(out.resolve("result.json").toFile());
        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(document(result, "letter.txt").path("status").asString()).isEqualTo("COMPLETED");
        assertThat(document(result, "broken.pdf").path("status").asString()).isEqualTo("FAILED");
        assertThat(document(result, "broken.pdf").path("failure").path("reason").asString()).isEqualTo("corrupt-pdf");
        List<String> failed = new ArrayList<>();
        result.path("failures").forEach(failure -> failed.add(failure.path("fileName").asString()));
        assertThat(failed).containsExactly("broken.pdf");
        // The API refuses an empty file before it becomes a document; result.json still accounts for it.
        assertThat(result.path("rejected")).hasSize(1);
        assertThat(result.path("rejected").get(0).path("fileName").asString()).isEqualTo("empty.txt");
        assertThat(result.path("rejected").get(0).path("reason").asString()).isEqualTo("empty-document");
    }

    @Test
    void anExplicitModelUrlThatDoesNotAnswerIsAnError() {
        int exit = process(work.resolve("out"), "--model-url", "http://127.0.0.1:" + LoopbackPorts.next());

        assertThat(exit).isEqualTo(ProcessCommand.EXIT_FAILED);
        assertThat(work.resolve("out").resolve("result.json")).doesNotExist();
    }

    @Test
    void anExplicitModelServerWithoutTheModelIsAnErrorBeforeAnyDocumentIsRead() {
        try (OllamaSimulator withOtherModels = OllamaSimulator.start(OllamaSimulatorOptions.builder()
                .models(List.of("qwen2.5:7b")).build())) {
            int exit = process(work.resolve("out"), "--model-url", withOtherModels.baseUrl(), "--model", "llama3.1:8b");

            assertThat(exit).isEqualTo(ProcessCommand.EXIT_FAILED);
            assertThat(work.resolve("out").resolve("result.json")).doesNotExist();
            assertThat(withOtherModels.stats().totalCalls()).isZero();
        }
    }

    @Test
    void aBlobConnectionStringThatIsNotOneIsAnErrorBeforeAnyDocumentIsRead() {
        simulator.resetStats();

        int exit = process(work.resolve("out"), "--model-url", simulator.baseUrl(), "--blob", "not-a-connection-string");

        assertThat(exit).isEqualTo(ProcessCommand.EXIT_FAILED);
        assertThat(work.resolve("out").resolve("result.json")).doesNotExist();
        assertThat(simulator.stats().totalCalls()).isZero();
    }

    @Test
    void aKafkaBrokerThatDoesNotAnswerIsAnErrorBeforeAnyDocumentIsRead() throws IOException {
        simulator.resetStats();

        int exit = process(work.resolve("out"), "--model-url", simulator.baseUrl(), "--kafka",
                "127.0.0.1:" + LoopbackPorts.next());

        assertThat(exit).isEqualTo(ProcessCommand.EXIT_FAILED);
        assertThat(work.resolve("out").resolve("result.json")).doesNotExist();
        assertThat(simulator.stats().totalCalls()).isZero();
    }

    @Test
    void withoutAModelServerItRunsOnTheSimulatorAndSaysSo() throws IOException {
        Assumptions.assumeFalse(listening(11434), "something answers on localhost:11434; the fallback is not taken");
        Path out = work.resolve("out");

        int exit = process(out);

        assertThat(exit).isEqualTo(ProcessCommand.EXIT_COMPLETED);
        JsonNode result = MessageCodec.mapper().readTree(out.resolve("result.json").toFile());
        assertThat(result.path("model").asString()).isEqualTo("simulated");
    }

    private static int process(Path out, String... options) {
        return processFolder(SAMPLES, out, options);
    }

    private static int processFolder(Path folder, Path out, String... options) {
        List<String> args = new ArrayList<>(List.of("process", folder.toString(), "--out", out.toString(),
                "--no-progress"));
        args.addAll(List.of(options));
        return MatterPipelineCommand.commandLine().execute(args.toArray(String[]::new));
    }

    private static JsonNode document(JsonNode result, String fileName) {
        for (JsonNode document : result.path("documents")) {
            if (document.path("fileName").asString().equals(fileName)) {
                return document;
            }
        }
        throw new AssertionError("no document " + fileName + " in " + result);
    }

    private static JsonNode item(JsonNode items, String field, String value) {
        for (JsonNode item : items) {
            JsonNode candidate = item.path(field);
            String text = candidate.isNumber() ? candidate.decimalValue().stripTrailingZeros().toPlainString()
                    : candidate.asString();
            if (text.equals(value)) {
                return item;
            }
        }
        throw new AssertionError("no item with " + field + "=" + value + " in " + items);
    }

    private static int pdfPageCount(Path pdf) throws IOException {
        try (PDDocument document = Loader.loadPDF(pdf.toFile())) {
            return document.getNumberOfPages();
        }
    }

    /** The result without what differs between two runs by nature: ids, timestamps and timings. */
    private static JsonNode comparable(Path resultFile) throws IOException {
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

    private static boolean listening(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
