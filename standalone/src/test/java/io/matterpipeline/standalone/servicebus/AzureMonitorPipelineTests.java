package io.matterpipeline.standalone.servicebus;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.assemble.AggregatorApplication;
import io.matterpipeline.extract.LlmWorkerApplication;
import io.matterpipeline.ingest.IngestApplication;
import io.matterpipeline.split.PageSplitterApplication;
import io.matterpipeline.testkit.azuremonitor.AzureMonitorIngestion;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The four services as four processes (forked JVMs on this test's class path, each attaching the Azure Monitor agent
 * from its own {@code main}) over the Service Bus emulator, exporting to the testkit's stand-in ingestion endpoint: one
 * Matter through the HTTP API, then what Application Insights would show — the four role names, one operation id for
 * a page across splitter, worker and aggregator with the model call as a dependency under the worker's request, and
 * the pipeline metrics.
 */
@EnabledIfSystemProperty(named = "azureMonitorPipeline", matches = "true",
        disabledReason = "four agent-instrumented JVMs take minutes to start on a shared two-core machine; "
                + "run with -DazureMonitorPipeline=true")
class AzureMonitorPipelineTests {

    private static final Duration WITHIN = Duration.ofSeconds(90);
    /**
     * Four JVMs, each instrumenting every class it loads with the agent, start on two cores: minutes when the
     * machine is busy, which is a fact about the machine, not a failure of the pipeline.
     */
    private static final Duration STARTED_WITHIN = Duration.ofMinutes(5);
    private static final String ADMIN = "admin-token-for-the-azure-monitor-pipeline-test-0123456789";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Meters as Application Insights names them (snake case). */
    private static final Set<String> METERS = Set.of("matterpipeline_pages", "matterpipeline_handler_duration",
            "matterpipeline_model_tokens", "matterpipeline_model_latency");
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void onePageIsOneOperationAcrossTheServicesWithTheModelCallUnderTheWorker() throws Exception {
        Path blobRoot = Files.createTempDirectory("ai-pipeline-");
        Path logs = Files.createDirectories(Path.of("target", "azure-monitor-pipeline"));
        List<Process> processes = new ArrayList<>();
        long start = System.nanoTime();
        try (ServiceBusEmulator emulator = ServiceBusPipeline.emulator(Duration.ofSeconds(30), 5);
                OllamaSimulator model = OllamaSimulator.start();
                AzureMonitorIngestion monitor = AzureMonitorIngestion.start()) {
            int ingestPort = freePort();
            List<String> common = List.of("--matter-pipeline.bus.type=servicebus",
                    "--matter-pipeline.bus.servicebus.connection-string=" + emulator.connectionString(),
                    "--matter-pipeline.bus.servicebus.duplicate-detection-window=0s",
                    "--matter-pipeline.blob.type=filesystem",
                    "--matter-pipeline.blob.filesystem.root=" + blobRoot,
                    "--matter-pipeline.splitter.consumer.max-deliveries=5",
                    "--matter-pipeline.worker.consumer.max-deliveries=5",
                    "--matter-pipeline.aggregator.consumer.max-deliveries=5",
                    "--matter-pipeline.ingest.requests.enabled=false",
                    "--logging.level.com.azure=ERROR");
            processes.add(fork(IngestApplication.class, monitor, logs, common, "--server.port=" + ingestPort));
            processes.add(fork(PageSplitterApplication.class, monitor, logs, common, "--server.port=0"));
            processes.add(fork(LlmWorkerApplication.class, monitor, logs, common, "--server.port=0",
                    "--matter-pipeline.worker.model.base-url=" + model.baseUrl(),
                    "--matter-pipeline.worker.model.name=simulated"));
            processes.add(fork(AggregatorApplication.class, monitor, logs, common, "--server.port=0"));

            String api = "http://127.0.0.1:" + ingestPort;
            await(() -> get(api + "/actuator/health/readiness", null) == 200, STARTED_WITHIN);
            long ready = System.nanoTime();
            String token = JSON.readTree(send(HttpRequest.newBuilder(URI.create(api + "/v1/tokens"))
                    .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"tenant\":\"acme\",\"scopes\":[\"matters:read\",\"matters:write\"]}"))))
                    .path("token").asString();
            String matterId = JSON.readTree(send(HttpRequest.newBuilder(URI.create(api + "/v1/matters"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Acme v. Roadrunner\"}"))))
                    .path("matterId").asString();
            String boundary = "b0undary";
            String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; "
                    + "filename=\"letter.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                    + "Acme Corp agrees to pay Roadrunner LLC USD 10,000 by 2024-03-15.\r\n--" + boundary + "--\r\n";
            send(HttpRequest.newBuilder(URI.create(api + "/v1/matters/" + matterId + "/documents"))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofString(multipart)));
            send(HttpRequest.newBuilder(URI.create(api + "/v1/matters/" + matterId + "/seal"))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()));

            // Spans leave each JVM in batches of its own: wait for the splitter's, the worker's (with its model call)
            // and the aggregator's handling of the page.
            await(() -> !requests(monitor, "documents process").isEmpty()
                    && !requests(monitor, "pages process").isEmpty()
                    && ofType(monitor, "RemoteDependencyData").stream()
                            .anyMatch(d -> d.path("data").path("baseData").path("name").asString().startsWith("chat "))
                    && requests(monitor, "results process").stream()
                            .anyMatch(r -> "1".equals(dimension(r, "pageNumber"))));
            // Each JVM publishes its meters at the end of its own interval: wait for every service's, not the first.
            await(() -> metricNames(monitor).containsAll(METERS));
            System.out.printf("AzureMonitorPipelineTests: ingest ready after %d s, pipeline metrics after %d s more%n",
                    Duration.ofNanos(ready - start).toSeconds(), Duration.ofNanos(System.nanoTime() - ready).toSeconds());
            // What the Portal would hold, one envelope a line: the names docs/operations.md's queries use.
            Files.write(logs.resolve("envelopes.ndjson"), monitor.envelopes().stream().map(JsonNode::toString).toList());

            assertThat(monitor.envelopes().stream().map(e -> e.path("tags").path("ai.cloud.role").asString())
                    .collect(Collectors.toSet()))
                    .contains("ingest-service", "page-splitter", "llm-worker", "aggregator");
            JsonNode workerRequest = requests(monitor, "pages process").get(0);
            String operation = workerRequest.path("tags").path("ai.operation.id").asString();
            assertThat(role(workerRequest)).isEqualTo("llm-worker");
            assertThat(requests(monitor, "documents process")).anySatisfy(r -> {
                assertThat(role(r)).isEqualTo("page-splitter");
                assertThat(r.path("tags").path("ai.operation.id").asString()).isEqualTo(operation);
            });
            assertThat(requests(monitor, "results process")).anySatisfy(r -> {
                assertThat(role(r)).isEqualTo("aggregator");
                assertThat(r.path("tags").path("ai.operation.id").asString()).isEqualTo(operation);
            });
            String workerRequestId = workerRequest.path("data").path("baseData").path("id").asString();
            assertThat(ofType(monitor, "RemoteDependencyData")).anySatisfy(d -> {
                assertThat(d.path("data").path("baseData").path("name").asString()).startsWith("chat ");
                assertThat(d.path("tags").path("ai.operation.id").asString()).isEqualTo(operation);
                assertThat(d.path("tags").path("ai.operation.parentId").asString()).isEqualTo(workerRequestId);
                assertThat(d.path("data").path("baseData").path("properties").path("gen_ai.request.model")
                        .asString()).isEqualTo("simulated");
            });
            assertThat(metrics(monitor, "matterpipeline_pages")).anySatisfy(m -> {
                assertThat(role(m)).isEqualTo("aggregator");
                assertThat(dimension(m, "outcome")).isEqualTo("extracted");
            });
            assertThat(metrics(monitor, "matterpipeline_model_latency"))
                    .anySatisfy(m -> assertThat(role(m)).isEqualTo("llm-worker"));
        } finally {
            processes.forEach(Process::destroy);
            for (Process process : processes) {
                process.waitFor();
            }
        }
    }

    private static Process fork(Class<?> main, AzureMonitorIngestion monitor, Path logs, List<String> common,
            String... extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(common);
        command.addAll(List.of(extra));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(logs.resolve(main.getSimpleName() + ".log").toFile());
        Map<String, String> env = builder.environment();
        env.put("APPLICATIONINSIGHTS_CONNECTION_STRING", monitor.connectionString());
        env.put("APPLICATIONINSIGHTS_METRIC_INTERVAL_SECONDS", "5");
        // The agent's own usage telemetry goes to Microsoft, not to the connection string: none of it from a test.
        env.put("APPLICATIONINSIGHTS_STATSBEAT_DISABLED", "true");
        env.put("MATTER_PIPELINE_ADMIN_TOKEN", ADMIN);
        return builder.start();
    }

    private static List<JsonNode> ofType(AzureMonitorIngestion monitor, String baseType) {
        return monitor.envelopes().stream()
                .filter(e -> baseType.equals(e.path("data").path("baseType").asString())).toList();
    }

    private static List<JsonNode> requests(AzureMonitorIngestion monitor, String name) {
        return ofType(monitor, "RequestData").stream()
                .filter(e -> name.equals(e.path("data").path("baseData").path("name").asString())).toList();
    }

    private static Set<String> metricNames(AzureMonitorIngestion monitor) {
        return ofType(monitor, "MetricData").stream()
                .map(e -> e.path("data").path("baseData").path("metrics").path(0).path("name").asString())
                .collect(Collectors.toSet());
    }

    private static List<JsonNode> metrics(AzureMonitorIngestion monitor, String name) {
        return ofType(monitor, "MetricData").stream()
                .filter(e -> name.equals(e.path("data").path("baseData").path("metrics").path(0).path("name")
                        .asString()))
                .toList();
    }

    private static String role(JsonNode envelope) {
        return envelope.path("tags").path("ai.cloud.role").asString();
    }

    private static String dimension(JsonNode envelope, String name) {
        return envelope.path("data").path("baseData").path("properties").path(name).asString(null);
    }

    private String send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return response.body();
    }

    private int get(String url, String token) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void await(Supplier<Boolean> condition) {
        await(condition, WITHIN);
    }

    private static void await(Supplier<Boolean> condition, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within);
            }
            ServiceBusPipeline.sleep(Duration.ofMillis(250));
        }
    }
}
