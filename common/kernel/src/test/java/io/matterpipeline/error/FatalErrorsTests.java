package io.matterpipeline.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A JVM started without any flag stops with exit status 70 on an {@link OutOfMemoryError}, wherever it surfaces,
 * once {@link FatalErrors#install()} ran (as every service and {@code matter-pipeline.jar} do): its unsettled
 * messages go back to the broker instead of sitting with a consumer that silently died.
 */
class FatalErrorsTests {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"reactor-chain", "reactor-task", "plain-thread", "real-allocation"})
    void anOutOfMemoryErrorStopsTheProcess(String where) throws IOException, InterruptedException {
        Process child = start(where, "-Xmx48m");

        boolean exited = child.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(dir.resolve("child.out"));
        assertThat(exited).as("the child stopped; output:%n%s", output).isTrue();
        assertThat(child.exitValue()).as("exit status; output:%n%s", output).isEqualTo(FatalErrors.EXIT_STATUS);
        assertThat(output).contains("FATAL: java.lang.OutOfMemoryError");
    }

    @ParameterizedTest
    @ValueSource(strings = {"reactor-task"})
    void switchedOffTheProcessLivesOn(String where) throws IOException, InterruptedException {
        Process child = start(where, "-Dmatter-pipeline.halt-on-fatal-error=false");

        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("output:%n%s", Files.readString(dir.resolve("child.out"))).isZero();
    }

    private Process start(String where, String option) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path argFile = dir.resolve("classpath.args");
        Files.writeString(argFile, "-cp \"" + classpath.replace("\\", "\\\\") + "\"", StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of(java, option, "@" + argFile, Child.class.getName(), where));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("child.out").toFile())
                .start();
    }

    /** The child JVM: installs the policy, provokes the error, and exits 0 if it is still alive a little later. */
    static final class Child {

        public static void main(String[] args) throws InterruptedException {
            FatalErrors.install();
            switch (args[0]) {
                case "reactor-chain" -> Mono.fromCallable(() -> {
                            throw new OutOfMemoryError("Java heap space (injected)");
                        })
                        .subscribeOn(Schedulers.boundedElastic())
                        .subscribe(value -> { }, error -> { });
                case "reactor-task" -> Schedulers.boundedElastic().schedule(() -> {
                    throw new OutOfMemoryError("Java heap space (injected)");
                });
                case "plain-thread" -> new Thread(() -> {
                    throw new OutOfMemoryError("Java heap space (injected)");
                }).start();
                case "real-allocation" -> Mono.fromCallable(() -> {
                            List<long[]> hoard = new ArrayList<>();
                            while (true) {
                                hoard.add(new long[1 << 20]);
                            }
                        })
                        .subscribeOn(Schedulers.boundedElastic())
                        .subscribe(value -> { }, error -> { });
                default -> throw new IllegalArgumentException(args[0]);
            }
            Thread.sleep(3_000);
            System.exit(0);
        }
    }
}
