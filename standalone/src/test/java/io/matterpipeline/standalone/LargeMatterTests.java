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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main job ({@code process}) on a generated Matter in a JVM started the way a user starts it, with a 256 MB heap
 * and nothing else: it reaches COMPLETED, so neither a document result nor the Matter result is ever whole in memory.
 * 5,000 pages in the default build; more with {@code -Dlarge-matter.pages=20000} (docs/operations.md, "Large
 * Matters"). Prints one line for BENCHMARKS.md ("Heap and time against Matter size"): the child's wall time, its heap
 * at its highest before and after a collection (from {@code -Xlog:gc}) and the load average around the run.
 */
class LargeMatterTests {

    private static final int PAGES = Integer.getInteger("large-matter.pages", 5_000);
    private static final int PAGES_PER_DOCUMENT = 1_000;
    private static final Pattern GC_LINE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

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
        String loadAfter;
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
            boolean finished = child.waitFor(PAGES / 10 + 180, TimeUnit.SECONDS);
            seconds = (System.nanoTime() - started) / 1e9;
            loadAfter = loadAverage() + " (before: " + loadBefore + ")";
            if (!finished) {
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            String output = Files.readString(console);

            assertThat(finished).as("finished in time; output:%n%s", tail(output)).isTrue();
            assertThat(child.exitValue()).as("exit code; output:%n%s", tail(output))
                    .isEqualTo(ProcessCommand.EXIT_COMPLETED);
        }
        ResultFile.Summary result = ResultFile.summary(out.resolve("result.json"));
        assertThat(result.status()).isEqualTo("COMPLETED");
        assertThat(result.counts().path("pagesExtracted").asInt()).isEqualTo(PAGES);
        assertThat(result.documents()).hasSize((PAGES + PAGES_PER_DOCUMENT - 1) / PAGES_PER_DOCUMENT);
        int[] heap = peakHeap(gcLog);
        System.out.printf("LargeMatterTests: %d pages in %.0f s (%.1f pages/s), result.json %d MB, heap at most %d MB "
                        + "before a GC and %d MB after one (of 256; %d collections), load average %s%n", PAGES,
                seconds, PAGES / seconds, Files.size(out.resolve("result.json")) >> 20, heap[0], heap[1], heap[2],
                loadAfter);
    }

    /** The highest heap occupancy before a collection and after one, in MB, and the number of collections. */
    private static int[] peakHeap(Path gcLog) throws IOException {
        int[] peak = new int[3];
        for (String line : Files.readAllLines(gcLog)) {
            Matcher gc = GC_LINE.matcher(line);
            if (gc.find()) {
                peak[0] = Math.max(peak[0], Integer.parseInt(gc.group(1)));
                peak[1] = Math.max(peak[1], Integer.parseInt(gc.group(2)));
                peak[2]++;
            }
        }
        return peak;
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
