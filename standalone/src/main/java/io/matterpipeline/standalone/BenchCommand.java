package io.matterpipeline.standalone;

import io.matterpipeline.assemble.AggregatorConfiguration;
import io.matterpipeline.assemble.AggregatorProperties;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.config.PipelineProperties;
import io.matterpipeline.contract.MatterCompleted;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.extract.route.EndpointSnapshot;
import io.matterpipeline.extract.route.ModelRouter;
import io.matterpipeline.ingest.matter.DocumentUpload;
import io.matterpipeline.ingest.matter.Matters;
import io.matterpipeline.ingest.matter.MatterStatusView;
import io.matterpipeline.metering.PortCounter;
import io.matterpipeline.metering.PortCounts;
import io.matterpipeline.standalone.bench.BenchDurations;
import io.matterpipeline.standalone.bench.BenchServers;
import io.matterpipeline.standalone.bench.SyntheticPages;
import io.matterpipeline.standalone.bench.WholeCallBound;
import io.matterpipeline.testkit.azurite.Azurite;
import io.matterpipeline.testkit.files.Directories;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Measures the pipeline against simulated model replicas: starts {@code --replicas} simulators with {@code --slots}
 * slots and {@code --model-latency} per call in a child process (with {@code --bus emulator}, the Service Bus
 * emulator too), runs the whole embedded pipeline over a generated Matter of {@code --pages} text pages, and prints one
 * JSON line: {@code pagesPerSecond}, {@code idealPagesPerSecond} (replicas × slots ÷ latency, the most the replicas
 * could do), {@code efficiency} (their ratio) and {@code efficiencyCeiling} (the most it can be with whole calls on
 * whole slots, {@link WholeCallBound}), what each page cost at the ports ({@code blobRequestsPerPage},
 * {@code busOperationsPerPage}, {@code casConflictsPerPage}, counted by the kernel's {@link PortCounter}) and in CPU
 * of this process ({@code cpuMsPerPage}), with extras.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run the pipeline against simulated model replicas and print one JSON line of throughput and "
                + "per-page costs.")
final class BenchCommand implements Callable<Integer> {

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

    @Option(names = "--naive", description = "Baseline: one page at a time (worker concurrency 1, no page ready).")
    boolean naive;

    @Option(names = "--ready-pages", description = "Pages the worker keeps ready beyond its model calls in flight "
            + "(matter-pipeline.worker.ready-pages). Default: as many as the slots; 0 with --naive.")
    Integer readyPages;

    @Option(names = "--page-chars", defaultValue = "1500",
            description = "Characters per generated page. Default: ${DEFAULT-VALUE}.")
    int pageChars;

    @Option(names = "--pages-per-document", defaultValue = "250",
            description = "Pages per generated document. Default: ${DEFAULT-VALUE}.")
    int pagesPerDocument;

    @Option(names = "--api", defaultValue = "ollama",
            description = "API the workers use on the replicas: ollama or openai. Default: ${DEFAULT-VALUE}.")
    String api;

    @Option(names = "--blob", defaultValue = "filesystem",
            description = "Blob store: filesystem (a temporary directory), memory (the pipeline's own cost, no "
                    + "store I/O) or azurite (started on loopback; needs Node.js and npm). Default: ${DEFAULT-VALUE}.")
    String blob;

    @Option(names = "--bus", defaultValue = "in-memory",
            description = "Message bus: in-memory, or emulator (the Service Bus emulator in the servers' process, "
                    + "driven through the Azure SDK). Default: ${DEFAULT-VALUE}.")
    String bus;

    @Option(names = "--aggregators", defaultValue = "1",
            description = "Aggregator instances consuming the results queue. Default: ${DEFAULT-VALUE}.")
    int aggregators;

    @Option(names = "--warmup-pages", defaultValue = "0",
            description = "Pages of a Matter run to completion before the measured one and not counted, so the "
                    + "figures are the warm JVM's (JIT compilation done). Default: ${DEFAULT-VALUE}.")
    int warmupPages;

    @Option(names = "--timeout", defaultValue = "30m", description = "Give up after this long. Default: ${DEFAULT-VALUE}.")
    String timeout;

    private final PrintStream stdout = System.out;
    private final PrintStream stderr = System.err;

    @Override
    public Integer call() throws IOException {
        if (pages < 1 || warmupPages < 0 || replicas < 1 || slots < 1 || pageChars < 100 || pagesPerDocument < 1 || aggregators < 1
                || !(slowReplicaFactor >= 1)) {
            throw new CommandFailure("--pages, --replicas, --slots, --pages-per-document, --aggregators must be >= 1, "
                    + "--warmup-pages >= 0, --page-chars >= 100, --slow-replica-factor >= 1");
        }
        if (!List.of("filesystem", "memory", "azurite").contains(blob)
                || !List.of("in-memory", "emulator").contains(bus)) {
            throw new CommandFailure("--blob is filesystem, memory or azurite, --bus is in-memory or emulator");
        }
        Duration latency = BenchDurations.parse(modelLatency);
        Duration limit = BenchDurations.parse(timeout);
        // Standard output carries the one JSON line: whatever else prints (Azurite's launcher logs before Spring
        // sets up logging) goes to standard error.
        System.setOut(stderr);
        Path dataDir = Files.createTempDirectory("matter-pipeline-bench-");
        List<String> serverOptions = new ArrayList<>(List.of("--replicas", String.valueOf(replicas),
                "--slots", String.valueOf(slots), "--model-latency", latency.toMillis() + "ms",
                "--slow-replica-factor", String.valueOf(slowReplicaFactor)));
        if (bus.equals("emulator")) {
            serverOptions.add("--servicebus");
        }
        try (BenchServers servers = BenchServers.start(serverOptions, dataDir.resolve("bench-servers.log"));
                Azurite azurite = blob.equals("azurite") ? Azurite.start() : null) {
            Map<String, Object> extra = new LinkedHashMap<>();
            List<String> urls = servers.modelUrls();
            for (int i = 0; i < urls.size(); i++) {
                extra.put("matter-pipeline.worker.endpoints[" + i + "].url", urls.get(i));
                extra.put("matter-pipeline.worker.endpoints[" + i + "].slots", slots);
                extra.put("matter-pipeline.worker.endpoints[" + i + "].api", api);
            }
            // The model server's time is what is measured: the other stages get room to keep up.
            extra.put("matter-pipeline.splitter.page-task-batch-size", 500);
            extra.put("matter-pipeline.aggregator.concurrency", 32);
            extra.put("matter-pipeline.metering.enabled", true);
            if (blob.equals("memory")) {
                extra.put("matter-pipeline.blob.type", "memory");
            }
            // The Azure SDK warns on every request of the JDK HTTP client about a header it may not set.
            extra.put("logging.level.com.azure", "ERROR");
            if (servers.serviceBusConnectionString() != null) {
                extra.putAll(serviceBus(servers.serviceBusConnectionString()));
            }
            int concurrency = naive ? 1 : replicas * slots;
            int ready = readyPages != null ? readyPages : naive ? 0 : concurrency;
            extra.put("matter-pipeline.worker.ready-pages", ready);
            EmbeddedPipeline.Settings settings = new EmbeddedPipeline.Settings(urls.get(0), OllamaSimulator.MODEL,
                    concurrency, dataDir, azurite == null ? null : azurite.connectionString(),
                    dataDir.resolve("pipeline.log"), extra);
            try (EmbeddedPipeline pipeline = EmbeddedPipeline.start(false, settings)) {
                ObjectNode report = run(pipeline, servers, latency, concurrency, ready, limit);
                // What the CPU figure depends on beyond the code: where the filesystem store's files go (creating a
                // file costs far more on some filesystems than on others) and the JVM's compiler settings.
                report.put("storeFileSystem", blob.equals("filesystem") ? Files.getFileStore(dataDir).type() : null);
                report.putPOJO("jvm", jvm());
                stdout.println(MessageCodec.mapper().writeValueAsString(report));
                return report.path("status").asString("").equals("COMPLETED") ? 0 : 2;
            }
        } finally {
            Directories.deleteQuietly(dataDir);
        }
    }

    /** The pipeline on the emulator: its queues' lock duration and delivery count (the emulator's defaults). */
    private static Map<String, Object> serviceBus(String connectionString) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("matter-pipeline.bus.type", "servicebus");
        properties.put("matter-pipeline.bus.servicebus.connection-string", connectionString);
        properties.put("matter-pipeline.bus.servicebus.lock-duration", "60s");
        properties.put("matter-pipeline.splitter.consumer.max-deliveries", 10);
        properties.put("matter-pipeline.worker.consumer.max-deliveries", 10);
        properties.put("matter-pipeline.aggregator.consumer.max-deliveries", 10);
        properties.put("matter-pipeline.ingest.requests.enabled", false);
        return properties;
    }

    private ObjectNode run(EmbeddedPipeline pipeline, BenchServers servers, Duration latency, int concurrency,
            int ready, Duration limit) throws IOException {
        Matters matters = pipeline.matters();
        String tenant = pipeline.tenant();
        PortCounter counter = pipeline.bean(PortCounter.class);
        List<QueueConsumer> moreAggregators = startAggregators(pipeline, aggregators - 1);
        try {
            if (warmupPages > 0) {
                String warmup = upload(matters, tenant, documents(warmupPages));
                CompletableFuture<MatterCompleted> warmed = completion(pipeline, warmup);
                matters.intake().seal(tenant, warmup).block();
                if (!await(warmed, limit)) {
                    throw new IllegalStateException("The warm-up Matter did not complete within " + limit);
                }
            }
            // The documents are generated before the clock and the CPU count start: producing them is the uploading
            // client's work, on a machine of its own in a deployment, not the pipeline's.
            List<byte[]> documents = documents(pages);
            // On standard error, for lining up a flight recording with the measured part.
            stderr.println("bench: measuring from " + Instant.now());
            PortCounts before = counter.snapshot();
            long cpuBefore = processCpuNanos();
            Duration serversCpuBefore = servers.cpuTime();
            servers.resetStats();
            ModelRouter router = pipeline.bean(ModelRouter.class);
            List<EndpointSnapshot> routedBefore = router.endpoints();
            // An endpoint's first grant is of its lifetime: after a warm-up the measured Matter's first call is
            // found by polling the router every millisecond instead.
            CompletableFuture<Instant> firstCall = warmupPages > 0 ? firstCallAfter(router, routedBefore) : null;
            // The clock starts before the upload, not at the seal: documents are split and their first pages read
            // as they arrive, so work done before the seal would otherwise count in pages but not in seconds.
            long started = System.nanoTime();
            Instant startedAt = Instant.now();
            String matterId = upload(matters, tenant, documents);
            CompletableFuture<MatterCompleted> completed = completion(pipeline, matterId);
            double uploadSeconds = (System.nanoTime() - started) / 1e9;
            matters.intake().seal(tenant, matterId).block();
            boolean finished = await(completed, limit);
            double seconds = (System.nanoTime() - started) / 1e9;
            Instant ended = Instant.now();
            List<EndpointSnapshot> routedAfter = router.endpoints();
            long cpuNanos = processCpuNanos() - cpuBefore;
            Duration serversCpuAfter = servers.cpuTime();
            PortCounts counts = counter.snapshot().minus(before);
            completed.cancel(true);

            MatterStatusView status = matters.queries().status(tenant, matterId).block();
            ObjectNode report = MessageCodec.mapper().createObjectNode();
            int done = status == null ? 0 : status.totals().pagesDone();
            int failed = status == null ? 0 : status.totals().pagesFailed();
            // With no model latency the replicas are no limit: there is no ideal to compare with.
            Double ideal = latency.isZero() ? null : replicas * slots / (latency.toNanos() / 1e9);
            // What these replicas can do together, the slow one at its own latency.
            List<Duration> replicaLatencies = BenchDurations.replicaLatencies(latency, replicas, slowReplicaFactor);
            Double achievable = latency.isZero() ? null
                    : replicaLatencies.stream().mapToDouble(replica -> slots / (replica.toNanos() / 1e9)).sum();
            double perSecond = done / seconds;
            report.put("pages", pages);
            report.put("warmupPages", warmupPages);
            report.put("replicas", replicas);
            report.put("slots", slots);
            report.put("modelLatencyMs", latency.toMillis());
            report.put("slowReplicaFactor", slowReplicaFactor);
            report.put("naive", naive);
            report.put("api", api);
            report.put("blob", blob);
            report.put("bus", bus);
            report.put("aggregators", aggregators);
            report.put("workerConcurrency", concurrency);
            report.put("workerReadyPages", ready);
            report.put("status", status == null ? "UNKNOWN" : status.status().name());
            report.put("finished", finished);
            report.put("pagesExtracted", done);
            report.put("pagesFailed", failed);
            report.put("seconds", round(seconds));
            report.put("uploadSeconds", round(uploadSeconds));
            report.put("pagesPerSecond", round(perSecond));
            report.put("idealPagesPerSecond", ideal == null ? null : round(ideal));
            report.put("efficiency", ideal == null ? null : round(perSecond / ideal));
            if (slowReplicaFactor > 1) {
                report.put("achievablePagesPerSecond", achievable == null ? null : round(achievable));
                report.put("efficiencyOfAchievable", achievable == null ? null : round(perSecond / achievable));
            }
            // The most any schedule could reach with whole calls on whole slots (WholeCallBound): the ideal rate
            // assumes a last round as full as the others.
            Double bound = latency.isZero() ? null
                    : WholeCallBound.shortest(pages, replicaLatencies, slots).toNanos() / 1e9;
            report.put("wholeCallBoundSeconds", bound == null ? null : round(bound));
            report.put("efficiencyCeiling", bound == null ? null : round(pages / bound / ideal));
            if (slowReplicaFactor > 1) {
                report.put("efficiencyOfAchievableCeiling", bound == null ? null : round(pages / bound / achievable));
            }
            report.put("slotBusyShare", round(busyShare(routedBefore, routedAfter, seconds)));
            report.put("slotMsPerCall", round(slotMsPerCall(routedBefore, routedAfter)));
            CallWindow window = CallWindow.of(startedAt, firstCall == null ? null : firstCall.getNow(null),
                    routedAfter);
            if (firstCall != null) {
                firstCall.cancel(true);
            }
            report.put("callWindowSeconds", window == null ? null : round(window.seconds()));
            report.put("callWindowEfficiency", ideal == null || window == null ? null
                    : round(done / window.seconds() / ideal));
            report.put("startToFirstCallSeconds", window == null ? null : round(window.secondsFrom(startedAt)));
            report.put("lastCallToCompletedSeconds", window == null ? null : round(window.secondsTo(ended)));
            addCosts(report, counts, cpuNanos);
            report.put("serversCpuMsPerPage", serversCpuBefore == null || serversCpuAfter == null ? null
                    : round(serversCpuAfter.minus(serversCpuBefore).toNanos() / 1e6 / pages));
            addPageModelTimes(report, pipeline.bean(BlobStore.class), matterId);
            addReplicas(report, servers.stats(), routedBefore, routedAfter, seconds);
            return report;
        } finally {
            moreAggregators.forEach(QueueConsumer::stop);
        }
    }

    /** A Matter of {@code matterPages} generated text pages, in documents of {@code --pages-per-document}. */
    private List<byte[]> documents(int matterPages) {
        List<byte[]> documents = new ArrayList<>();
        for (int d = 0; d * pagesPerDocument < matterPages; d++) {
            int documentPages = Math.min(pagesPerDocument, matterPages - d * pagesPerDocument);
            documents.add(SyntheticPages.document(d + 1, documentPages, pageChars));
        }
        return documents;
    }

    /** Creates a Matter and uploads {@code documents} into it, one after another. */
    private static String upload(Matters matters, String tenant, List<byte[]> documents) {
        String matterId = matters.intake().create(tenant, "bench").block().matterId();
        for (int d = 0; d < documents.size(); d++) {
            matters.intake().upload(tenant, matterId, new DocumentUpload("bench-" + (d + 1) + ".txt",
                    "text/plain", Flux.just(ByteBuffer.wrap(documents.get(d))))).block();
        }
        return matterId;
    }

    /**
     * Per page, from creating the Matter to its MatterCompleted (uploads included; generating the documents before and
     * the bench's own reads after excluded): requests at the blob store and bus ports, lost compare-and-swap races,
     * and this process's CPU (the simulators and the emulator run in the servers' process, Azurite in its own).
     */
    private void addCosts(ObjectNode report, PortCounts counts, long cpuNanos) {
        report.put("blobRequestsPerPage", perPage(counts.blobRequests()));
        report.put("busOperationsPerPage", perPage(counts.busOperations()));
        report.put("casConflictsPerPage", perPage(counts.casConflicts()));
        report.put("cpuMsPerPage", round(cpuNanos / 1e6 / pages));
        report.putObject("blobPerPage")
                .put("reads", perPage(counts.blobReads()))
                .put("writes", perPage(counts.blobWrites()))
                .put("conditionalWrites", perPage(counts.blobConditionalWrites()))
                .put("stats", perPage(counts.blobStats()))
                .put("lists", perPage(counts.blobLists()))
                .put("deletes", perPage(counts.blobDeletes()))
                .put("tiers", perPage(counts.blobTiers()));
        report.putObject("busPerPage")
                .put("sends", perPage(counts.busSends()))
                .put("messagesSent", perPage(counts.busMessagesSent()))
                .put("receives", perPage(counts.busReceives()))
                .put("settlements", perPage(counts.busSettlements()))
                .put("lockRenewals", perPage(counts.busLockRenewals()));
        report.put("casConflictShareOfConditionalWrites", round(counts.casConflictShare()));
        report.putPOJO("totals", counts);
    }

    private double perPage(long count) {
        return round((double) count / pages);
    }

    /** Further aggregator instances: the aggregator's own beans, built again, on the same bus and store. */
    private static List<QueueConsumer> startAggregators(EmbeddedPipeline pipeline, int count) {
        List<QueueConsumer> consumers = new ArrayList<>();
        AggregatorConfiguration configuration = new AggregatorConfiguration();
        for (int i = 0; i < count; i++) {
            MessageBus bus = pipeline.bean(MessageBus.class);
            PipelineProperties properties = pipeline.bean(PipelineProperties.class);
            AggregatorProperties aggregator = pipeline.bean(AggregatorProperties.class);
            QueueConsumer consumer = configuration.aggregatorQueueConsumer(bus, properties, aggregator,
                    configuration.aggregatorMatterAssembler(pipeline.bean(BlobStore.class), bus, properties,
                            aggregator));
            consumer.start();
            consumers.add(consumer);
        }
        return consumers;
    }

    /** The MatterCompleted of this Matter, received (and settled) from the matters-completed queue. */
    private static CompletableFuture<MatterCompleted> completion(EmbeddedPipeline pipeline, String matterId) {
        MessageBus bus = pipeline.bean(MessageBus.class);
        String queue = pipeline.bean(PipelineProperties.class).queues().mattersCompleted();
        return bus.receive(queue, ReceiveOptions.defaults())
                .concatMap(delivery -> delivery.complete().then(Mono.fromCallable(() -> decode(delivery))))
                .filter(message -> message instanceof MatterCompleted done && done.matterId().equals(matterId))
                .cast(MatterCompleted.class)
                .next()
                .toFuture();
    }

    private static PipelineMessage decode(Delivery delivery) {
        return MessageCodec.decode(delivery.body());
    }

    private static boolean await(CompletableFuture<MatterCompleted> completed, Duration limit) {
        try {
            completed.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("Waiting for the Matter to complete failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The Java version and the -XX options this JVM was started with (the JIT's among them). */
    private static Map<String, Object> jvm() {
        Map<String, Object> jvm = new LinkedHashMap<>();
        jvm.put("version", Runtime.version().toString());
        jvm.put("options", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(argument -> argument.startsWith("-XX:"))
                .toList());
        return jvm;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void addReplicas(ObjectNode report, JsonNode stats, List<EndpointSnapshot> before,
            List<EndpointSnapshot> after, double seconds) {
        ArrayNode perReplica = report.putArray("perReplica");
        for (int i = 0; i < stats.size(); i++) {
            JsonNode replica = stats.get(i);
            perReplica.addObject()
                    .put("replica", i)
                    .put("latencyMs", replica.path("latencyMs").asLong())
                    .put("calls", replica.path("calls").asLong())
                    .put("peakInFlight", replica.path("peakInFlight").asInt())
                    .put("peakQueued", replica.path("peakQueued").asInt())
                    .put("routerPeakInFlight", after.get(i).peakInFlight())
                    .put("slotBusyShare", round(busyShare(before.subList(i, i + 1), after.subList(i, i + 1),
                            seconds)))
                    .put("circuit", String.valueOf(after.get(i).circuit()));
        }
    }

    /**
     * The share of the replicas' slot time that held a call during the run, as the router saw it: how full the worker
     * kept the slots, whatever the calls themselves took (on a loaded machine they take longer than the latency).
     */
    private static double busyShare(List<EndpointSnapshot> before, List<EndpointSnapshot> after, double seconds) {
        double busy = 0;
        double slotSeconds = 0;
        for (int i = 0; i < after.size(); i++) {
            busy += after.get(i).busy().minus(before.get(i).busy()).toNanos() / 1e9;
            slotSeconds += after.get(i).slots() * seconds;
        }
        return slotSeconds == 0 ? 0 : busy / slotSeconds;
    }

    /** When the first call after {@code before} is given a slot, polled every millisecond. */
    private static CompletableFuture<Instant> firstCallAfter(ModelRouter router, List<EndpointSnapshot> before) {
        long started = startedCalls(before);
        return Flux.interval(Duration.ofMillis(1))
                .filter(tick -> startedCalls(router.endpoints()) > started)
                .next()
                .map(tick -> Instant.now())
                .toFuture();
    }

    /** Calls given a slot so far: those that ended and those in flight. */
    private static long startedCalls(List<EndpointSnapshot> endpoints) {
        return endpoints.stream().mapToLong(endpoint -> endpoint.calls() + endpoint.inFlight()).sum();
    }

    /**
     * Slot time one call held, as the router saw it (grant to release, all replicas): against the simulated latency,
     * how much longer calls took on this machine. {@code efficiency} ≈ {@code slotBusyShare} (the worker's part) ×
     * latency ÷ {@code slotMsPerCall} (the calls' own inflation: simulator, HTTP client, CPU contention).
     */
    private static double slotMsPerCall(List<EndpointSnapshot> before, List<EndpointSnapshot> after) {
        double busyMillis = 0;
        long calls = 0;
        for (int i = 0; i < after.size(); i++) {
            busyMillis += after.get(i).busy().minus(before.get(i).busy()).toNanos() / 1e6;
            calls += after.get(i).calls() - before.get(i).calls();
        }
        return calls == 0 ? 0 : busyMillis / calls;
    }

    /**
     * From the first model call given a slot after the clock started (after a warm-up, as seen by watching the router) to
     * the last slot given back: the part of the run in which model calls could run at all. {@code efficiency} over
     * this window instead of the whole clock leaves out both ends no slot can use, reported on their own: from the
     * clock's start (creating the Matter, before its upload) to the first call ({@code startToFirstCallSeconds}:
     * uploading, splitting and reading the first pages) and from the last call to {@code MatterCompleted}
     * ({@code lastCallToCompletedSeconds}: folding the last facts and assembling the result).
     */
    private record CallWindow(Instant first, Instant last) {

        static CallWindow of(Instant start, Instant firstAfterWarmup, List<EndpointSnapshot> after) {
            Instant first = firstAfterWarmup;
            Instant last = null;
            for (EndpointSnapshot endpoint : after) {
                if (firstAfterWarmup == null && endpoint.firstGranted() != null
                        && (first == null || endpoint.firstGranted().isBefore(first))) {
                    first = endpoint.firstGranted();
                }
                if (endpoint.lastReleased() != null && (last == null || endpoint.lastReleased().isAfter(last))) {
                    last = endpoint.lastReleased();
                }
            }
            if (first == null || last == null) {
                return null;
            }
            return new CallWindow(first.isBefore(start) ? start : first, last);
        }

        double seconds() {
            return between(first, last);
        }

        double secondsFrom(Instant start) {
            return between(start, first);
        }

        double secondsTo(Instant completed) {
            return between(last, completed);
        }

        private static double between(Instant from, Instant to) {
            return Duration.between(from, to).toNanos() / 1e9;
        }
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

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
