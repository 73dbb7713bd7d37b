package io.matterpipeline.split.pdf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 500-page PDF splits in a JVM limited to a 256 MB heap: PDFBox reads the file by random access and keeps its
 * scratch buffers in temp files. The split runs in a forked JVM launched on this test's own classpath.
 */
class PdfLowMemorySplitTests {

    @TempDir
    Path dir;

    @Test
    void fiveHundredPagesSplitWithA256MegabyteHeap() throws IOException, InterruptedException {
        Path pdf = PdfFixtures.write(dir.resolve("large.pdf"), 500);
        Path output = dir.resolve("child.out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Surefire may run tests from a manifest-only jar; it also publishes the real test classpath.
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path argFile = dir.resolve("classpath.args");
        // An @argfile keeps a long classpath clear of command-line length limits.
        Files.writeString(argFile, "-cp \"" + classpath.replace("\\", "\\\\") + "\"", StandardCharsets.UTF_8);
        Process child = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "@" + argFile, LowMemorySplit.class.getName(), pdf.toString(), dir.toString(), "500"))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        boolean finished = child.waitFor(3, TimeUnit.MINUTES);
        if (!finished) {
            child.destroyForcibly();
        }
        String log = Files.readString(output);

        assertThat(finished).as("the child JVM finished").isTrue();
        assertThat(child.exitValue()).as("exit code; output:%n%s", log).isZero();
        Matcher reported = Pattern.compile("split 500 pages with max heap (\\d+) MB").matcher(log);
        assertThat(reported.find()).as("child output:%n%s", log).isTrue();
        assertThat(Integer.parseInt(reported.group(1))).as("the child's max heap in MB").isLessThanOrEqualTo(256);
    }
}
