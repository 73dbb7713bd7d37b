package io.matterpipeline.standalone;

import io.matterpipeline.error.PipelineException;
import io.matterpipeline.ingest.matter.DocumentUpload;
import io.matterpipeline.ingest.matter.MatterQueries;
import io.matterpipeline.ingest.matter.Matters;
import io.matterpipeline.ingest.matter.MatterStatusView;
import io.matterpipeline.testkit.files.Directories;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

/**
 * The main job: every file of a folder becomes a document of one Matter, which is sealed, read page by page and
 * written to {@code <out>/result.json}. Exit code 0 on COMPLETED, 2 on PARTIAL, 1 on failure.
 */
@Command(name = "process", mixinStandardHelpOptions = true,
        description = "Process every file in a folder as one Matter and write <out>/result.json.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:COMPLETED", "2:PARTIAL (some pages or documents failed; result.json lists them)",
                "1:failure (bad arguments, model server down, Matter FAILED or not finished in time)"},
        footer = {"%nFiles the API refuses (empty, over the size limit) are listed under \"rejected\" in result.json "
                + "and make the run PARTIAL."})
final class ProcessCommand implements Callable<Integer> {

    static final int EXIT_COMPLETED = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_PARTIAL = 2;

    private static final int READ_CHUNK = 64 * 1024;
    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);

    @Parameters(index = "0", paramLabel = "<folder>", description = "Folder whose files form the Matter.")
    Path folder;

    @Option(names = "--out", required = true, paramLabel = "<dir>", description = "Where result.json is written.")
    Path out;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--data-dir", paramLabel = "<dir>",
            description = "Keep the pipeline's blobs (pages, extractions, progress) here. Default: a temporary "
                    + "directory deleted at exit.")
    Path dataDir;

    @Option(names = "--blob", paramLabel = "<connection string>",
            description = "Use Azure Blob Storage (or Azurite) instead of the local filesystem store.")
    String blobConnectionString;

    @Option(names = "--kafka", paramLabel = "<bootstrap servers>",
            description = "Carry the messages over Apache Kafka at these brokers (host:port[,host:port]) instead of "
                    + "in memory; missing topics are created. Other settings: -Dmatter-pipeline.bus.kafka.<name>=...")
    String kafkaBootstrapServers;

    @Option(names = "--timeout", defaultValue = "PT24H",
            description = "Give up when the Matter has not finished after this long (ISO-8601). Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--no-progress", description = "Do not draw the progress bar.")
    boolean noProgress;

    private final PrintStream stdout = System.out;
    private final PrintStream stderr = System.err;

    @Override
    public Integer call() throws IOException {
        List<Path> files = documentsIn(folder);
        if (files.isEmpty()) {
            throw new CommandFailure(folder + " has no files to process.");
        }
        Files.createDirectories(out);
        Path storeRoot = dataDir != null ? dataDir : Files.createTempDirectory("matter-pipeline-");
        long started = System.nanoTime();
        try (ModelEndpoint endpoint = ModelEndpoint.resolve(modelOptions.modelUrl, modelOptions.model, stderr)) {
            EmbeddedPipeline.Settings settings = new EmbeddedPipeline.Settings(endpoint.baseUrl(),
                    modelOptions.model, modelOptions.concurrency, storeRoot, blobConnectionString,
                    out.resolve("pipeline.log"), busProperties());
            try (EmbeddedPipeline pipeline = EmbeddedPipeline.start(false, settings)) {
                return run(pipeline.matters(), pipeline.tenant(), files, started);
            } catch (PipelineException stopped) {
                // A failure the retries did not outlast (the broker or the store gone mid-job): said, not a trace.
                throw new CommandFailure("the job stopped: " + stopped.getMessage() + " (" + stopped.reason() + ")",
                        stopped);
            }
        } finally {
            if (dataDir == null) {
                Directories.deleteQuietly(storeRoot);
            }
        }
    }

    /** The -D properties, with the Kafka bus when {@code --kafka} is given (a -D setting wins). */
    private Map<String, Object> busProperties() {
        Map<String, Object> properties = new java.util.LinkedHashMap<>(modelOptions.properties);
        if (kafkaBootstrapServers != null) {
            properties.putIfAbsent("matter-pipeline.bus.type", "kafka");
            properties.putIfAbsent("matter-pipeline.bus.kafka.bootstrap-servers", kafkaBootstrapServers);
        }
        return Map.copyOf(properties);
    }

    private int run(Matters matters, String tenant, List<Path> files, long started) throws IOException {
        String name = folder.toAbsolutePath().normalize().getFileName().toString();
        String matterId = matters.intake().create(tenant, name).block().matterId();
        List<ResultFile.Rejected> rejected = new ArrayList<>();
        for (Path file : files) {
            String fileName = file.getFileName().toString();
            try {
                matters.intake().upload(tenant, matterId,
                        new DocumentUpload(fileName, Files.probeContentType(file), read(file))).block();
            } catch (PipelineException refused) {
                // The API refuses such a file (an empty one, one over the size limit) before it becomes a document;
                // the job goes on with the others and reports it.
                rejected.add(new ResultFile.Rejected(fileName, refused.reason(), refused.getMessage()));
                stderr.printf("rejected %s: %s (%s)%n", fileName, refused.getMessage(), refused.reason());
            }
        }
        matters.intake().seal(tenant, matterId).block();
        stderr.printf("Matter %s: %d documents sealed, processing...%n", matterId, files.size() - rejected.size());
        long sealed = System.nanoTime();

        MatterStatusView status = awaitFinal(matters.queries(), tenant, matterId);
        Duration processing = Duration.ofNanos(System.nanoTime() - sealed);
        if (status == null) {
            throw new CommandFailure("Matter " + matterId + " did not finish within " + timeout + (dataDir != null
                    ? "; its blobs are kept in " + dataDir : "; run with --data-dir to keep its blobs") + ".");
        }
        Path resultFile = out.resolve("result.json");
        ResultFile.write(matters.queries().result(tenant, matterId), rejected, resultFile);
        printSummary(ResultFile.summary(resultFile), resultFile, Duration.ofNanos(System.nanoTime() - started),
                processing);
        return switch (status.status()) {
            case COMPLETED -> rejected.isEmpty() ? EXIT_COMPLETED : EXIT_PARTIAL;
            case PARTIAL -> EXIT_PARTIAL;
            default -> EXIT_FAILED;
        };
    }

    /** Polls the Matter's status, drawing the progress bar, until it is final; null on timeout. */
    private MatterStatusView awaitFinal(MatterQueries matters, String tenant, String matterId) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (ProgressBar bar = noProgress ? null : progressBar()) {
            while (System.nanoTime() < deadline) {
                MatterStatusView status = matters.status(tenant, matterId).block();
                MatterStatusView.Totals totals = status.totals();
                if (bar != null) {
                    bar.maxHint(Math.max(totals.pageCount(), 1));
                    bar.stepTo(totals.pagesDone() + totals.pagesFailed());
                    bar.setExtraMessage(totals.pagesFailed() == 0 ? "" : totals.pagesFailed() + " failed");
                }
                if (status.status().isFinal() && status.resultReady()) {
                    return status;
                }
                sleep(POLL_INTERVAL);
            }
            return null;
        }
    }

    private ProgressBar progressBar() {
        return new ProgressBarBuilder()
                .setTaskName("Pages")
                .setInitialMax(1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis((int) POLL_INTERVAL.toMillis())
                .setConsumer(new ConsoleProgressBarConsumer(stderr))
                .showSpeed()
                .setUnit(" pages", 1)
                .build();
    }

    private void printSummary(ResultFile.Summary result, Path resultFile, Duration elapsed, Duration processing) {
        JsonNode summary = result.counts();
        long pages = summary.path("pages").asLong();
        stdout.printf("Matter %s %s in %.1f s (model: %s)%n", result.matterId(), result.status(),
                elapsed.toMillis() / 1000.0, result.model());
        stdout.printf("  documents: %d (%d failed)   pages: %d read, %d failed   %.1f pages/s after sealing%n",
                summary.path("documents").asLong(), summary.path("documentsFailed").asLong(),
                summary.path("pagesExtracted").asLong(), summary.path("pagesFailed").asLong(),
                pages / Math.max(processing.toMillis() / 1000.0, 0.001));
        result.documents().forEach(document -> stdout.println("  " + document));
        result.rejected().forEach(file -> stdout.println("  rejected: " + file));
        result.failedPages().forEach(page -> stdout.println("  failed: " + page));
        if (result.moreFailedPages() > 0) {
            stdout.printf("  ... and %d more failed pages (see failures in result.json)%n", result.moreFailedPages());
        }
        stdout.println("Result: " + resultFile);
    }

    private static List<Path> documentsIn(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new ProcessCommand()),
                    folder + " is not a folder");
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.filter(Files::isRegularFile)
                    .filter(path -> !path.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        }
    }

    /** Streams a file in chunks, off the caller's thread; the file is never read whole. */
    static Flux<ByteBuffer> read(Path file) {
        return Flux.using(() -> FileChannel.open(file, StandardOpenOption.READ),
                        channel -> Flux.<ByteBuffer>generate(sink -> {
                            try {
                                ByteBuffer buffer = ByteBuffer.allocate(READ_CHUNK);
                                if (channel.read(buffer) < 0) {
                                    sink.complete();
                                } else {
                                    sink.next(buffer.flip());
                                }
                            } catch (IOException e) {
                                sink.error(e);
                            }
                        }),
                        channel -> {
                            try {
                                channel.close();
                            } catch (IOException ignored) {
                                // nothing left to do with a channel that fails to close after reading
                            }
                        })
                .subscribeOn(Schedulers.boundedElastic());
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
