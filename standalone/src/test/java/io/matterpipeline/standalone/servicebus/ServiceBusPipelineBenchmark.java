package io.matterpipeline.standalone.servicebus;

import io.matterpipeline.ingest.matter.MatterStatusView;
import io.matterpipeline.progress.MatterStatus;
import io.matterpipeline.testkit.files.Directories;
import io.matterpipeline.testkit.kafka.KafkaBroker;
import io.matterpipeline.testkit.kafka.KafkaBrokerOptions;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Pages per second of the whole pipeline over Service Bus: ingest, page-splitter, aggregator and the llm-workers as
 * separate Spring Boot applications over the in-process emulator, a shared filesystem blob store, and the Ollama
 * simulator at zero latency, so that the bus, the store and the services' own work are what is measured. Per worker
 * layout a generated Matter of plain-text pages is timed from its first upload until its result is ready (pages are
 * split and read as their documents arrive, before the seal, so the clock starts before the uploads). Not a test: run it with
 * exec:java (see BENCHMARKS.md).
 *
 * <p>Arguments (all optional): pages per Matter (600), pages per document (100), rounds per layout (3).
 */
public final class ServiceBusPipelineBenchmark {

    /** Worker layouts measured: instances x concurrency (pages in flight per instance). */
    private static final int[][] LAYOUTS = {{1, 4}, {1, 16}, {2, 16}};

    private ServiceBusPipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int pages = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        int pagesPerDocument = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Map<String, byte[]> files = matter(pages, pagesPerDocument);
        Path blobRoot = Files.createTempDirectory("sb-pipeline-bench-");
        List<String> rows = new ArrayList<>();
        // -Dbenchmark.bus=kafka: the same workload over a real Kafka broker (testkit's, 3 partitions per topic).
        boolean kafka = "kafka".equals(System.getProperty("benchmark.bus"));
        try (AutoCloseable broker = kafka ? KafkaBroker.start(KafkaBrokerOptions.pipelineTopics(3))
                        : ServiceBusPipeline.emulator(Duration.ofSeconds(60), 10);
                OllamaSimulator simulator = OllamaSimulator.start(OllamaSimulatorOptions.builder()
                        .latency(Duration.ZERO).slots(64).build());
                ServiceBusPipeline pipeline = (kafka
                        ? ServiceBusPipeline.overBus(Map.of("matter-pipeline.bus.type", "kafka",
                                "matter-pipeline.bus.kafka.bootstrap-servers", ((KafkaBroker) broker).bootstrapServers(),
                                "matter-pipeline.bus.kafka.lock-duration", "60s"), blobRoot, simulator.baseUrl(), 10)
                        : ServiceBusPipeline.over((ServiceBusEmulator) broker, blobRoot, simulator.baseUrl()))
                        .startIngestSplitterAggregator(Map.of())) {
            // Warm-up with a full Matter: JIT of every service, links, connection pools.
            ConfigurableApplicationContext warmUpWorker = pipeline.startWorker("llm-worker-warm-up",
                    Map.of("matter-pipeline.worker.concurrency", "16"));
            run(pipeline, files, "warm-up");
            warmUpWorker.close();
            for (int[] layout : LAYOUTS) {
                List<ConfigurableApplicationContext> workers = new ArrayList<>();
                for (int i = 0; i < layout[0]; i++) {
                    workers.add(pipeline.startWorker("llm-worker-" + (i + 1),
                            Map.of("matter-pipeline.worker.concurrency", String.valueOf(layout[1]))));
                }
                // The new workers' links and pools.
                run(pipeline, matter(20, 10), "warm-up " + layout[0] + "x" + layout[1]);
                List<Double> rates = new ArrayList<>();
                for (int round = 1; round <= rounds; round++) {
                    rates.add(run(pipeline, files, "bench-" + layout[0] + "x" + layout[1] + "-" + round));
                }
                rates.sort(Comparator.naturalOrder());
                int n = rates.size();
                double median = n % 2 == 1 ? rates.get(n / 2) : (rates.get(n / 2 - 1) + rates.get(n / 2)) / 2;
                rows.add(String.format(Locale.ROOT, "| %d x %d | %d | %.1f | %.1f | %.1f |", layout[0], layout[1],
                        pages, median, rates.get(n - 1), ManagementFactory.getOperatingSystemMXBean()
                                .getSystemLoadAverage()));
                for (int i = workers.size() - 1; i >= 0; i--) {
                    workers.get(i).close();
                }
            }
        } finally {
            Directories.deleteQuietly(blobRoot);
        }
        System.out.println();
        System.out.println("Pipeline over " + (kafka ? "a Kafka broker (testkit, 3 partitions)" : "the Service Bus emulator")
                + ", simulated model at zero latency; pages per second from first upload to result ready (" + rounds
                + " rounds, median and best)");
        System.out.println();
        System.out.println("| workers x concurrency | pages | median pages/s | best pages/s | load average (1 min) |");
        System.out.println("|---|---:|---:|---:|---:|");
        rows.forEach(System.out::println);
        // The SDK's and Vert.x's non-daemon threads may outlive the contexts; exec:java waits for them otherwise.
        System.exit(0);
    }

    /** Uploads and seals the Matter and returns its pages per second from the first upload to result ready. */
    private static double run(ServiceBusPipeline pipeline, Map<String, byte[]> files, String name) {
        long started = System.nanoTime();
        ServiceBusPipeline.Submitted matter = pipeline.submit(name, files);
        pipeline.seal(matter.matterId());
        MatterStatusView status = pipeline.awaitFinal(matter.matterId(), Duration.ofMinutes(10));
        double seconds = (System.nanoTime() - started) / 1e9;
        if (status.status() != MatterStatus.COMPLETED) {
            throw new IllegalStateException("Matter " + name + " ended " + status.status());
        }
        int pages = status.totals().pagesDone();
        System.out.printf(Locale.ROOT, "%s: %d pages in %.2f s = %.1f pages/s%n", name, pages, seconds,
                pages / seconds);
        return pages / seconds;
    }

    /** Plain-text documents of {@code pagesPerDocument} pages (form feeds end pages), {@code pages} in all. */
    private static Map<String, byte[]> matter(int pages, int pagesPerDocument) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        int page = 0;
        for (int document = 1; page < pages; document++) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < pagesPerDocument && page < pages; i++) {
                page++;
                text.append("EXHIBIT ").append(page).append(" to Case No. 2023-CV-04417\n")
                        .append("Invoice dated 2024-").append(String.format(Locale.ROOT, "%02d", page % 12 + 1))
                        .append("-15 for $").append(page * 1000)
                        .append(".00 between Acme Corp. and Globex LLC. The Client shall pay within 30 days.\n\f");
            }
            files.put("exhibits-" + document + ".txt", text.toString().getBytes(StandardCharsets.UTF_8));
        }
        return files;
    }
}
