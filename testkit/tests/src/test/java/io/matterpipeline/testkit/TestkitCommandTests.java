package io.matterpipeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code testkit.jar}'s command line: a mistake the user can fix is one line, never a stack trace. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TestkitCommandTests {

    @TempDir
    Path work;

    @Test
    void aFleetWithoutTheServicesJarsIsOneErrorLineAndStartsNothing() throws Exception {
        Path matter = Files.createDirectories(work.resolve("matter"));
        Files.writeString(matter.resolve("letter.txt"), "Dear counsel, the hearing is on 3 March 2025.");
        Path noJars = Files.createDirectories(work.resolve("no-jars"));
        StringWriter err = new StringWriter();
        CommandLine commandLine = TestkitCommand.commandLine().setErr(new PrintWriter(err, true));

        int exit = commandLine.execute("fleet", "--matter", matter.toString(), "--jars", noJars.toString(),
                "--scaling", Path.of("..", "..", "infra", "scaling.json").toString(),
                "--out", work.resolve("out").toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("error: No ingest-service-*-exec.jar in " + noJars + " or "
                + noJars.resolve("ingest-service").resolve("target") + " (build with ./mvnw -DskipTests package)"
                + System.lineSeparator());
        assertThat(work.resolve("out")).doesNotExist();
    }

    @Test
    void aSettingOutOfRangeIsOneErrorLine() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = TestkitCommand.commandLine().setErr(new PrintWriter(err, true));

        // Zero slots passes the option parser and is refused by the simulator's options.
        int exit = commandLine.execute("ollama", "--port", "0", "--slots", "0");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("error: slots must be at least 1, was 0" + System.lineSeparator());
    }
}
