package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.standalone.bench.SyntheticPages;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job ({@code process}) on a generated Matter in a JVM started the way a user starts it, with a 256 MB heap
 * and nothing else: it reaches COMPLETED, so neither a document result nor the Matter result is ever whole in memory.
 * 5,000 pages in the default build; more with {@code -Dlarge-matter.pages=20000} (docs/operations.md, "Large
 * Matters").
 *
 * <p>Prints one line for BENCHMARKS.md ("Heap and time against Matter size"): the child's wall time, the load average
 * around the run and, from its {@code -Xlog:gc}, the heap at its highest before a collection and after a young one
 * (old garbage that no collection was due to reclaim yet included, so these depend on G1's pacing, not only on what
 * is live). With {@code -Dlarge-matter.live-every=10s} the test also asks the child for a full collection every 10 s
 * ({@code jcmd <pid> GC.run}) and prints the highest heap after one: the live data, sampled.
 */
class LargeMatterTests {

    private static final int PAGES = Integer.getInteger("large-matter.pages", 5_000);
    private static final Duration LIVE_EVERY = Duration.parse("PT" + System.getProperty("large-matter.live-every",
            "0s"));
    private static final int PAGES_PER_DOCUMENT = 1_000;
    private static final Pattern GC_LINE = Pattern.compile(
            "GC\\(\\d+\\) Pause (\\w+).*? (\\d+)M->(\\d+)M\\((\\d+)M\\) ([\\d.]+)ms");

    @TempDir
    Path work;

    @Test
    void aLargeMatterCompletesWithA256MegabyteHeap() throws IOException, InterruptedException {
        Path folder = Files.createDirectories(work.resolve("matter"));
        for (int document = 1, left = PAGES; left > 0; document++, left -= PAGES_PER_DOCUMENT) {
            Files.write(folder.resolve(String.format("filing-%03d.txt", document)),
                    SyntheticPages.document(document, Math.min(left, PAGES_PER_DOCUMENT), 600));
        }
        Path out = work.resolve("out");
        Path console = work.resolve("console.txt");
        Path gcLog = work.resolve("gc.log");
        double seconds;
        String load;
        String summary;
        try (OllamaSimulator model = OllamaSimulator.start(OllamaSimulatorOptions.builder()
                .slots(16).latency(Duration.ZERO).build())) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Path argFile = work.resolve("classpath.args");
            Files.writeString(argFile, "-cp \"" + classpath.replace("\\", "\\\\") + "\"", StandardCharsets.UTF_8);
            String loadBefore = loadAverage();
            long started = System.nanoTime();
            Process child = new ProcessBuilder(List.of(java, "-Xmx256m", "-Xlog:gc:file=" + gcLog, "@" + argFile,
                    StandaloneMain.class.getName(), "process", folder.toString(), "--out", out.toString(),
                    "--no-progress", "--model-url", model.baseUrl(), "--concurrency", "16",
                    "--data-dir", work.resolve("data").toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(console.toFile())
                    .start();
            boolean finished;
            try (LiveSampler sampler = new LiveSampler(child.pid(), LIVE_EVERY)) {
                finished = child.waitFor(PAGES / 10 + 180, TimeUnit.SECONDS);
            }
            seconds = (System.nanoTime() - started) / 1e9;
            load = loadAverage() + " (before: " + loadBefore + ")";
            if (!finished) {
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            String output = Files.readString(console);
            // process's own account: "Matter m-… COMPLETED in 12.3 s" and "… 81.2 pages/s after sealing"
            summary = output.lines().filter(line -> line.startsWith("Matter ") && line.contains(" in ")
                            || line.contains("pages/s after sealing"))
                    .map(String::trim).reduce((a, b) -> a + "; " + b).orElse("");

            assertThat(finished).as("finished in time; output:%n%s", tail(output)).isTrue();
            assertThat(child.exitValue()).as("exit code; output:%n%s", tail(output))
                    .isEqualTo(ProcessCommand.EXIT_COMPLETED);
        }
        ResultFile.Summary result = ResultFile.summary(out.resolve("result.json"));
        assertThat(result.status()).isEqualTo("COMPLETED");
        assertThat(result.counts().path("pagesExtracted").asInt()).isEqualTo(PAGES);
        assertThat(result.documents()).hasSize((PAGES + PAGES_PER_DOCUMENT - 1) / PAGES_PER_DOCUMENT);
        HeapPeaks heap = HeapPeaks.of(gcLog);
        System.out.printf("LargeMatterTests: %d pages in %.0f s (%.1f pages/s), result.json %d MB, heap at most %d MB "
                        + "before a collection, %d MB after a young one, %s after a full one (%d full, %.1f s in "
                        + "them), of 256; load average %s%nLargeMatterTests: the child said: %s%n", PAGES, seconds,
                PAGES / seconds,
                Files.size(out.resolve("result.json")) >> 20, heap.beforeAny(), heap.afterYoung(),
                heap.fullCollections() == 0 ? "n/a" : heap.afterFull() + " MB", heap.fullCollections(),
                heap.fullMillis() / 1000, load, summary);
    }

    /** What the child's {@code -Xlog:gc} says of its heap, in MB. */
    private record HeapPeaks(int beforeAny, int afterYoung, int afterFull, int fullCollections, double fullMillis) {

        static HeapPeaks of(Path gcLog) throws IOException {
            int before = 0;
            int young = 0;
            int full = 0;
            int fulls = 0;
            double fullMillis = 0;
            for (String line : Files.readAllLines(gcLog)) {
                Matcher gc = GC_LINE.matcher(line);
                if (!gc.find()) {
                    continue;
                }
                int after = Integer.parseInt(gc.group(3));
                before = Math.max(before, Integer.parseInt(gc.group(2)));
                if (gc.group(1).equals("Young")) {
                    young = Math.max(young, after);
                } else if (gc.group(1).equals("Full")) {
                    full = Math.max(full, after);
                    fulls++;
                    fullMillis += Double.parseDouble(gc.group(5));
                }
            }
            return new HeapPeaks(before, young, full, fulls, fullMillis);
        }
    }

    /** Asks a JVM for a full collection every {@code every} ({@code jcmd GC.run}) until closed; nothing for zero. */
    private static final class LiveSampler implements AutoCloseable {

        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

        LiveSampler(long pid, Duration every) {
            if (!every.isZero()) {
                String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
                timer.scheduleWithFixedDelay(() -> {
                    try {
                        new ProcessBuilder(jcmd, Long.toString(pid), "GC.run")
                                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                .start().waitFor(60, TimeUnit.SECONDS);
                    } catch (IOException failed) {
                        // the child ended meanwhile: nothing to sample
                    } catch (InterruptedException stopped) {
                        Thread.currentThread().interrupt();
                    }
                }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    /** The 1, 5 and 15 minute load averages (Linux), or "n/a". */
    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException | RuntimeException unavailable) {
            return "n/a";
        }
    }

    private static String tail(String output) {
        return output.length() <= 8_000 ? output : output.substring(output.length() - 8_000);
    }
}
