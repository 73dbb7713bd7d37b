package io.matterpipeline.standalone.servicebus;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.assemble.AggregatorApplication;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.extract.LlmWorkerApplication;
import io.matterpipeline.ingest.IngestApplication;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.DocumentUpload;
import io.matterpipeline.ingest.matter.Matters;
import io.matterpipeline.ingest.matter.MatterStatusView;
import io.matterpipeline.progress.MatterStatus;
import io.matterpipeline.split.PageSplitterApplication;
import io.matterpipeline.testkit.servicebus.QueueOptions;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

/**
 * The four services as separate Spring Boot applications in this JVM, each with its own bus connection (to one Service
 * Bus emulator, or to any bus given as properties: the Kafka tests use it too), sharing only a filesystem blob store
 * root (as separate processes would share a storage account). Used by {@link ServiceBusPipelineTests},
 * {@link ServiceBusPipelineBenchmark} and the Kafka pipeline tests.
 */
public final class ServiceBusPipeline implements AutoCloseable {

    static final String[] QUEUES = {"documents", "pages", "results", "matters-completed"};

    private final ServiceBusEmulator emulator;
    private final Map<String, Object> busProperties;
    private final Path blobRoot;
    private final String modelUrl;
    private final int maxDeliveries;
    private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();
    private ConfigurableApplicationContext ingest;

    private ServiceBusPipeline(ServiceBusEmulator emulator, Map<String, Object> busProperties, Path blobRoot,
            String modelUrl, int maxDeliveries) {
        this.emulator = emulator;
        this.busProperties = Map.copyOf(busProperties);
        this.blobRoot = blobRoot;
        this.modelUrl = modelUrl;
        this.maxDeliveries = maxDeliveries;
    }

    /** An emulator with the pipeline's queues, all with this lock duration and max delivery count. */
    static ServiceBusEmulator emulator(Duration lockDuration, int maxDeliveries) {
        ServiceBusEmulatorOptions options = ServiceBusEmulatorOptions.defaults();
        for (String queue : QUEUES) {
            options = options.withQueue(QueueOptions.named(queue).withLockDuration(lockDuration)
                    .withMaxDeliveryCount(maxDeliveries));
        }
        return ServiceBusEmulator.start(options);
    }

    static ServiceBusPipeline over(ServiceBusEmulator emulator, Path blobRoot, String modelUrl) {
        QueueOptions pages = emulator.options().queues().stream().filter(q -> q.name().equals("pages")).findFirst()
                .orElseThrow();
        Map<String, Object> bus = new LinkedHashMap<>();
        bus.put("matter-pipeline.bus.type", "servicebus");
        bus.put("matter-pipeline.bus.servicebus.connection-string", emulator.connectionString());
        bus.put("matter-pipeline.bus.servicebus.lock-duration", pages.lockDuration().toMillis() + "ms");
        // Quick SDK retries and reconnects: a restarted broker is back within seconds (the SDK waits retry-delay
        // + 4 s before it re-creates a link, hence max-retry-delay 5 s).
        bus.put("matter-pipeline.bus.servicebus.max-retries", "3");
        bus.put("matter-pipeline.bus.servicebus.retry-delay", "200ms");
        bus.put("matter-pipeline.bus.servicebus.max-retry-delay", "5s");
        bus.put("matter-pipeline.bus.servicebus.try-timeout", "10s");
        bus.put("matter-pipeline.bus.servicebus.reconnect-delay", "200ms");
        bus.put("matter-pipeline.bus.servicebus.max-reconnect-delay", "2s");
        bus.put("matter-pipeline.bus.servicebus.dead-letter-wait", "1s");
        bus.put("matter-pipeline.bus.servicebus.duplicate-detection-window", "0s");
        return new ServiceBusPipeline(emulator, bus, blobRoot, modelUrl, pages.maxDeliveryCount());
    }

    /**
     * The services on the bus these properties configure ({@code matter-pipeline.bus.*}), whose queues dead-letter
     * after {@code maxDeliveries}.
     */
    public static ServiceBusPipeline overBus(Map<String, Object> busProperties, Path blobRoot, String modelUrl,
            int maxDeliveries) {
        return new ServiceBusPipeline(null, busProperties, blobRoot, modelUrl, maxDeliveries);
    }

    ServiceBusEmulator emulator() {
        return emulator;
    }

    public Path blobRoot() {
        return blobRoot;
    }

    /** Starts ingest (Matters only, no HTTP), the page-splitter and the aggregator. */
    public ServiceBusPipeline startIngestSplitterAggregator(Map<String, Object> extra) {
        ingest = start(IngestApplication.class, "ingest", extra);
        start(PageSplitterApplication.class, "page-splitter", extra);
        start(AggregatorApplication.class, "aggregator", extra);
        return this;
    }

    /** Starts one more llm-worker application. */
    public ConfigurableApplicationContext startWorker(String name, Map<String, Object> extra) {
        Map<String, Object> properties = new LinkedHashMap<>(extra);
        properties.putIfAbsent("matter-pipeline.worker.model.base-url", modelUrl);
        properties.putIfAbsent("matter-pipeline.worker.model.name", "simulated");
        return start(LlmWorkerApplication.class, name, properties);
    }

    private Matters matters() {
        return ingest.getBean(Matters.class);
    }

    /** The tenant the test acts for: the default tenant. */
    private String tenant() {
        return ingest.getBean(IngestProperties.class).defaultTenant();
    }

    /** The Matter's status now. */
    public MatterStatusView status(String matterId) {
        return matters().queries().status(tenant(), matterId).block(Duration.ofSeconds(30));
    }

    /** Creates a Matter, uploads the files and seals it; returns the Matter id and the document ids by file name. */
    public Submitted submit(String name, Map<String, byte[]> files) {
        Matters matters = matters();
        String matterId = matters.intake().create(tenant(), name).block(Duration.ofSeconds(30)).matterId();
        Map<String, String> documentIds = new LinkedHashMap<>();
        files.forEach((fileName, bytes) -> documentIds.put(fileName, matters.intake().upload(tenant(), matterId,
                new DocumentUpload(fileName, null, Flux.just(ByteBuffer.wrap(bytes)))).block(Duration.ofSeconds(30))
                .documentId()));
        return new Submitted(matterId, documentIds);
    }

    public void seal(String matterId) {
        matters().intake().seal(tenant(), matterId).block(Duration.ofSeconds(30));
    }

    /** Polls the status until the Matter is final and its result is ready; fails after {@code timeout}. */
    public MatterStatusView awaitFinal(String matterId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        MatterStatusView status = null;
        while (System.nanoTime() < deadline) {
            status = status(matterId);
            if (status.status().isFinal() && status.resultReady()) {
                return status;
            }
            sleep(Duration.ofMillis(100));
        }
        throw new AssertionError("Matter " + matterId + " is not final after " + timeout + ": " + status);
    }

    public JsonNode result(String matterId) {
        byte[] bytes = matters().queries().result(tenant(), matterId)
                .reduce(new java.io.ByteArrayOutputStream(), (out, chunk) -> {
                    byte[] part = new byte[chunk.remaining()];
                    chunk.get(part);
                    out.writeBytes(part);
                    return out;
                })
                .block(Duration.ofSeconds(30))
                .toByteArray();
        return MessageCodec.mapper().readTree(bytes);
    }

    /**
     * Submits and seals the sample Matter ({@link PipelineFixtures#sampleFiles()}), waits for it and checks what every
     * transport must give for it: COMPLETED, every page of every document read once, none failed. Returns it for the
     * caller's own checks.
     */
    public FinishedMatter processSampleMatter(Duration timeout) throws IOException {
        int pdfPages = PipelineFixtures.pdfPageCount(PipelineFixtures.SAMPLES.resolve("master-services-agreement.pdf"));
        Submitted matter = submit("samples", PipelineFixtures.sampleFiles());
        seal(matter.matterId());

        MatterStatusView status = awaitFinal(matter.matterId(), timeout);

        assertThat(status.status()).isEqualTo(MatterStatus.COMPLETED);
        assertThat(status.totals().pageCount()).isEqualTo(pdfPages + 2 + 2);
        assertThat(status.totals().pagesDone()).isEqualTo(pdfPages + 2 + 2);
        assertThat(status.totals().pagesFailed()).isZero();
        JsonNode result = result(matter.matterId());
        assertThat(result.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(PipelineFixtures.pageCount(result, "master-services-agreement.pdf")).isEqualTo(pdfPages);
        assertThat(PipelineFixtures.pageCount(result, "scheduling-order.ocr.json")).isEqualTo(2);
        assertThat(PipelineFixtures.pageCount(result, "settlement-letter.txt")).isEqualTo(2);
        for (JsonNode document : result.path("documents")) {
            String fileName = document.path("fileName").asString();
            assertThat(document.path("status").asString()).as(fileName).isEqualTo("COMPLETED");
            assertThat(PipelineFixtures.extractedPageNumbers(document)).as(fileName)
                    .isEqualTo(PipelineFixtures.range(document.path("pageCount").asInt()));
        }
        return new FinishedMatter(matter.matterId(), status, result);
    }

    private ConfigurableApplicationContext start(Class<?> application, String name, Map<String, Object> extra) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("spring.application.name", name);
        properties.put("logging.level.org.apache.pdfbox", "ERROR");
        properties.put("logging.level.com.azure", "ERROR");
        properties.putAll(busProperties);
        properties.put("matter-pipeline.blob.type", "filesystem");
        properties.put("matter-pipeline.blob.filesystem.root", blobRoot.toString());
        // Each service's own view of the queues' max delivery count must match the broker's.
        properties.put("matter-pipeline.splitter.consumer.max-deliveries", maxDeliveries);
        properties.put("matter-pipeline.worker.consumer.max-deliveries", maxDeliveries);
        properties.put("matter-pipeline.aggregator.consumer.max-deliveries", maxDeliveries);
        // Ingest consumes no queue here (Matters are driven through the Matters bean).
        properties.put("matter-pipeline.ingest.requests.enabled", "false");
        properties.putAll(extra);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                .properties(properties)
                .run();
        synchronized (contexts) {
            contexts.add(context);
        }
        return context;
    }

    /** Closes the contexts in reverse start order (workers first, ingest last); the emulator is the caller's. */
    @Override
    public void close() {
        List<ConfigurableApplicationContext> running;
        synchronized (contexts) {
            running = new ArrayList<>(contexts);
            contexts.clear();
        }
        for (int i = running.size() - 1; i >= 0; i--) {
            if (running.get(i).isActive()) {
                running.get(i).close();
            }
        }
    }

    public static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A final Matter: its status and its result. */
    public record FinishedMatter(String matterId, MatterStatusView status, JsonNode result) {
    }

    /** A sealed-to-be Matter. */
    public record Submitted(String matterId, Map<String, String> documentIds) {

        public String documentId(String fileName) {
            return documentIds.get(fileName);
        }
    }
}
