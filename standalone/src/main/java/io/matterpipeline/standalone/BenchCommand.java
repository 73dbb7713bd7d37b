package io.matterpipeline.standalone;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.extract.route.EndpointSnapshot;
import io.matterpipeline.extract.route.ModelRouter;
import io.matterpipeline.ingest.matter.DocumentUpload;
import io.matterpipeline.ingest.matter.Matters;
import io.matterpipeline.ingest.matter.MatterStatusView;
import io.matterpipeline.standalone.bench.BenchDurations;
import io.matterpipeline.standalone.bench.SyntheticPages;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import io.matterpipeline.testkit.ollama.OllamaSimulatorStats;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.publisher.Flux;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Measures how well the workers keep simulated model replicas busy: starts {@code --replicas} simulators with
 * {@code --slots} slots and {@code --model-latency} per call, runs the whole embedded pipeline over a generated Matter
 * of {@code --pages} text pages, and prints one JSON line: {@code pagesPerSecond}, {@code idealPagesPerSecond}
 * (replicas × slots ÷ latency, the most the replicas could do) and {@code efficiency} (their ratio), with extras.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run the pipeline against simulated model replicas and print one JSON line of throughput.")
final class BenchCommand implements Callable<Integer> {

    private static final Duration POLL = Duration.ofMillis(100);

    @Option(names = "--pages", defaultValue = "2000", description = "Pages in the Matter. Default: ${DEFAULT-VALUE}.")
    int pages;

    @Option(names = "--model-latency", defaultValue = "200ms",
            description = "Time one simulated model call takes (200ms, 1.5s, PT0.2S). Default: ${DEFAULT-VALUE}.")
    String modelLatency;

    @Option(names = "--replicas", defaultValue = "3", description = "Simulated model replicas. Default: ${DEFAULT-VALUE}.")
    int replicas;

    @Option(names = "--slots", defaultValue = "4",
            description = "Parallel slots per replica (OLLAMA_NUM_PARALLEL). Default: ${DEFAULT-VALUE}.")
    int slots;

    @Option(names = "--slow-replica-factor", defaultValue = "1",
            description = "The first replica's latency is this many times the others'. Default: ${DEFAULT-VALUE}.")
    double slowReplicaFactor;

    @Option(names = "--naive", description = "Baseline: one page at a time (worker concurrency 1).")
    boolean naive;

    @Option(names = "--page-chars", defaultValue = "1500",
            description = "Characters per generated page. Default: ${DEFAULT-VALUE}.")
    int pageChars;

    @Option(names = "--pages-per-document", defaultValue = "250",
            description = "Pages per generated document. Default: ${DEFAULT-VALUE}.")
    int pagesPerDocument;

    @Option(names = "--api", defaultValue = "ollama",
            description = "API the workers use on the replicas: ollama or openai. Default: ${DEFAULT-VALUE}.")
    String api;

    @Option(names = "--timeout", defaultValue = "30m", description = "Give up after this long. Default: ${DEFAULT-VALUE}.")
    String timeout;

    private final PrintStream stdout = System.out;
    private final PrintStream stderr = System.err;

    @Override
    public Integer call() throws IOException {
        if (pages < 1 || replicas < 1 || slots < 1 || pageChars < 100 || pagesPerDocument < 1
                || !(slowReplicaFactor >= 1)) {
            stderr.println("error: --pages, --replicas, --slots, --pages-per-document must be >= 1, --page-chars >= 100,"
                    + " --slow-replica-factor >= 1");
            return 1;
        }
        Duration latency = BenchDurations.parse(modelLatency);
        Duration limit = BenchDurations.parse(timeout);
        quietSimulatorLogs();
        List<OllamaSimulator> simulators = new ArrayList<>();
        Path dataDir = Files.createTempDirectory("matter-pipeline-bench-");
        try {
            Map<String, Object> extra = new LinkedHashMap<>();
            for (int i = 0; i < replicas; i++) {
                Duration replicaLatency = i == 0 ? scale(latency, slowReplicaFactor) : latency;
                OllamaSimulator simulator = OllamaSimulator.start(OllamaSimulatorOptions.builder()
                        .slots(slots).latency(replicaLatency).defaultNumCtx(8192).seed(42 + i).build());
                simulators.add(simulator);
                extra.put("matter-pipeline.worker.endpoints[" + i + "].url", simulator.baseUrl());
                extra.put("matter-pipeline.worker.endpoints[" + i + "].slots", slots);
                extra.put("matter-pipeline.worker.endpoints[" + i + "].api", api);
            }
            // The model server's time is what is measured: the other stages get room to keep up.
            extra.put("matter-pipeline.splitter.page-task-batch-size", 500);
            extra.put("matter-pipeline.aggregator.concurrency", 32);
            int concurrency = naive ? 1 : replicas * slots;
            EmbeddedPipeline.Settings settings = new EmbeddedPipeline.Settings(simulators.get(0).baseUrl(),
                    OllamaSimulator.MODEL, concurrency, dataDir, null, dataDir.resolve("pipeline.log"), extra);
            try (EmbeddedPipeline pipeline = EmbeddedPipeline.start(false, settings)) {
                ObjectNode report = run(pipeline, simulators, latency, concurrency, limit);
                stdout.println(MessageCodec.mapper().writeValueAsString(report));
                return report.path("status").asString("").equals("COMPLETED") ? 0 : 2;
            }
        } finally {
            simulators.forEach(OllamaSimulator::close);
            deleteRecursively(dataDir);
        }
    }

    private ObjectNode run(EmbeddedPipeline pipeline, List<OllamaSimulator> simulators, Duration latency,
            int concurrency, Duration limit) {
        Matters matters = pipeline.matters();
        String tenant = pipeline.tenant();
        String matterId = matters.intake().create(tenant, "bench").block().matterId();
        int documents = (pages + pagesPerDocument - 1) / pagesPerDocument;
        for (int d = 0; d < documents; d++) {
            int documentPages = Math.min(pagesPerDocument, pages - d * pagesPerDocument);
            byte[] bytes = SyntheticPages.document(d + 1, documentPages, pageChars);
            matters.intake().upload(tenant, matterId, new DocumentUpload("bench-" + (d + 1) + ".txt", "text/plain",
                    Flux.just(ByteBuffer.wrap(bytes)))).block();
        }
        simulators.forEach(OllamaSimulator::resetStats);
        long started = System.nanoTime();
        matters.intake().seal(tenant, matterId).block();
        MatterStatusView status = null;
        long deadline = started + limit.toNanos();
        while (System.nanoTime() < deadline) {
            status = matters.queries().status(tenant, matterId).block();
            if (status.status().isFinal() && status.resultReady()) {
                break;
            }
            sleep(POLL);
        }
        double seconds = (System.nanoTime() - started) / 1e9;

        ObjectNode report = MessageCodec.mapper().createObjectNode();
        int done = status == null ? 0 : status.totals().pagesDone();
        int failed = status == null ? 0 : status.totals().pagesFailed();
        double ideal = replicas * slots / (latency.toNanos() / 1e9);
        double perSecond = done / seconds;
        report.put("pages", pages);
        report.put("replicas", replicas);
        report.put("slots", slots);
        report.put("modelLatencyMs", latency.toMillis());
        report.put("slowReplicaFactor", slowReplicaFactor);
        report.put("naive", naive);
        report.put("api", api);
        report.put("workerConcurrency", concurrency);
        report.put("status", status == null ? "UNKNOWN" : status.status().name());
        report.put("finished", status != null && status.status().isFinal());
        report.put("pagesExtracted", done);
        report.put("pagesFailed", failed);
        report.put("seconds", round(seconds));
        report.put("pagesPerSecond", round(perSecond));
        report.put("idealPagesPerSecond", round(ideal));
        report.put("efficiency", round(perSecond / ideal));
        addPageModelTimes(report, pipeline.bean(BlobStore.class), matterId);
        ArrayNode perReplica = report.putArray("perReplica");
        List<EndpointSnapshot> routed = pipeline.bean(ModelRouter.class).endpoints();
        for (int i = 0; i < simulators.size(); i++) {
            OllamaSimulatorStats stats = simulators.get(i).stats();
            ObjectNode replica = perReplica.addObject();
            replica.put("replica", i);
            replica.put("latencyMs", simulators.get(i).options().latency().toMillis());
            replica.put("calls", stats.totalCalls());
            replica.put("peakInFlight", stats.peakInFlight());
            replica.put("peakQueued", stats.peakQueued());
            replica.put("routerPeakInFlight", routed.get(i).peakInFlight());
            replica.put("circuit", routed.get(i).circuit());
        }
        return report;
    }

    /** p50/p95/max of the model time each page took (all its calls), from the extraction blobs. */
    private static void addPageModelTimes(ObjectNode report, BlobStore blobs, String matterId) {
        long[] millis = blobs.list(BlobPaths.matterPrefix(matterId))
                .filter(blob -> blob.path().contains("/extractions/"))
                .flatMap(blob -> blobs.read(blob.path()), 16)
                .map(content -> MessageCodec.mapper().readValue(content.bytes(), PageExtraction.class))
                .map(extraction -> extraction.usage().modelMillis())
                .collectList()
                .block()
                .stream().mapToLong(Long::longValue).sorted().toArray();
        if (millis.length == 0) {
            return;
        }
        report.put("pageModelMsP50", percentile(millis, 0.50));
        report.put("pageModelMsP95", percentile(millis, 0.95));
        report.put("pageModelMsMax", millis[millis.length - 1]);
    }

    private static long percentile(long[] sorted, double share) {
        int index = (int) Math.ceil(share * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    /** Stdout carries the one JSON line: the simulators' start-up lines, logged before Spring's setup, stay out. */
    private static void quietSimulatorLogs() {
        if (org.slf4j.LoggerFactory.getLogger("io.matterpipeline.testkit")
                instanceof ch.qos.logback.classic.Logger logger) {
            logger.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    private static Duration scale(Duration duration, double factor) {
        return Duration.ofNanos(Math.round(duration.toNanos() * factor));
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
