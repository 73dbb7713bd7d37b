package io.matterpipeline.standalone.bench;

import io.matterpipeline.contract.MessageCodec;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import tools.jackson.databind.JsonNode;

/**
 * The bench's model simulators (and Service Bus emulator) running in a child JVM, started from this program's own
 * class path (or jar) with the hidden {@value #COMMAND} command, so that the CPU the bench reports is the pipeline's
 * alone. The child exits when its standard input closes: {@link #close()} closes it, and a bench that dies takes the
 * child with it.
 */
public final class BenchServers implements AutoCloseable {

    /** The hidden command of {@code matter-pipeline.jar} that runs the servers. */
    public static final String COMMAND = "bench-servers";

    private static final String MAIN_CLASS = "io.matterpipeline.standalone.StandaloneMain";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final BufferedReader replies;
    private final BufferedWriter requests;
    private final JsonNode started;

    private BenchServers(Process process) throws IOException {
        this.process = process;
        this.replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.started = nextReply();
    }

    /**
     * Starts the servers and waits until they listen.
     *
     * @param arguments the options of {@value #COMMAND} ({@code --replicas}, {@code --slots}, ...)
     * @param log where the child's standard error goes
     */
    public static BenchServers start(List<String> arguments, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.add("-Xmx512m");
        // The simulators stand in for model servers on machines of their own: on the bench's shared cores, the
        // quick C1 compiler alone keeps their JIT from taking CPU the pipeline would have (BENCHMARKS.md).
        command.add("-XX:TieredStopAtLevel=1");
        String classPath = System.getProperty("java.class.path");
        if (isExecutableJar(classPath)) {
            command.add("-jar");
            command.add(classPath);
        } else {
            command.add("-cp");
            command.add(classPath);
            command.add(MAIN_CLASS);
        }
        command.add(COMMAND);
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // The servers are not part of what an attached Azure Monitor agent should report.
        builder.environment().remove("APPLICATIONINSIGHTS_CONNECTION_STRING");
        Process process = builder.start();
        try {
            return new BenchServers(process);
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** The simulators' base URLs, one per replica. */
    public List<String> modelUrls() {
        List<String> urls = new ArrayList<>();
        started.path("modelUrls").values().forEach(url -> urls.add(url.asString()));
        return urls;
    }

    /** The emulator's connection string, or null when it was not asked for. */
    public String serviceBusConnectionString() {
        JsonNode value = started.path("serviceBus");
        return value.isString() ? value.asString() : null;
    }

    /** Per replica: {@code latencyMs}, {@code calls}, {@code peakInFlight}, {@code peakQueued}. */
    public synchronized JsonNode stats() throws IOException {
        return request("stats");
    }

    /** Resets the replicas' statistics. */
    public synchronized void resetStats() throws IOException {
        request("reset");
    }

    /**
     * CPU time the servers' process has used so far (its simulators' answers, and the emulator's work with
     * {@code --servicebus}), as the operating system counts it; {@code null} where it does not say.
     */
    public Duration cpuTime() {
        return process.info().totalCpuDuration().orElse(null);
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        try {
            requests.close();
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private JsonNode request(String line) throws IOException {
        requests.write(line);
        requests.newLine();
        requests.flush();
        return nextReply();
    }

    /** The next JSON line of the child (anything else it printed is skipped). */
    private JsonNode nextReply() throws IOException {
        for (String line = replies.readLine(); line != null; line = replies.readLine()) {
            String trimmed = line.trim();
            if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
                return MessageCodec.mapper().readTree(trimmed);
            }
        }
        throw new IOException("The bench servers (process " + process.pid() + ") exited with code "
                + waitForExit() + "; see their log");
    }

    private int waitForExit() {
        try {
            return process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** True when this JVM runs from one jar with a main class ({@code java -jar matter-pipeline.jar}). */
    private static boolean isExecutableJar(String classPath) {
        if (classPath == null || classPath.contains(File.pathSeparator) || !classPath.endsWith(".jar")
                || !Files.isRegularFile(Path.of(classPath))) {
            return false;
        }
        try (JarFile jar = new JarFile(classPath)) {
            return jar.getManifest() != null && jar.getManifest().getMainAttributes().getValue("Main-Class") != null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
