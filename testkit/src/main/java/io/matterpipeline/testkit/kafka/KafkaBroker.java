package io.matterpipeline.testkit.kafka;

import io.matterpipeline.testkit.TestkitCommand;
import io.matterpipeline.testkit.files.Directories;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real Apache Kafka broker for tests: {@code testkit kafka} in a child JVM (this JVM's java and class path, which
 * must hold {@code org.apache.kafka:kafka_2.13}), on a fixed loopback port for its whole life, so it can be stopped,
 * killed and restarted under the same bootstrap address with its log kept. One per test class is plenty: a start takes
 * a few seconds.
 *
 * <pre>{@code
 * try (KafkaBroker kafka = KafkaBroker.start(KafkaBrokerOptions.pipelineTopics(2))) {
 *     String bootstrap = kafka.bootstrapServers();
 *     kafka.kill();     // SIGKILL, like a crashed broker
 *     kafka.restart();  // same port, same log
 * }
 * }</pre>
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaBrokerOptions options;
    private final int port;
    private final int controllerPort;
    private final Path logDir;
    private final boolean ownLogDir;
    private final Path output;
    private Process process;

    private KafkaBroker(KafkaBrokerOptions options) throws IOException {
        this.options = options;
        this.port = FreePorts.pick();
        this.controllerPort = FreePorts.pick();
        this.ownLogDir = options.dataDir() == null;
        this.logDir = ownLogDir ? Files.createTempDirectory("testkit-kafka-") : options.dataDir();
        this.output = Files.createTempFile("testkit-kafka-", ".log");
    }

    /** Starts a broker with these topics and waits until it serves clients. */
    public static KafkaBroker start(KafkaBrokerOptions options) {
        Objects.requireNonNull(options, "options");
        try {
            KafkaBroker broker = new KafkaBroker(options);
            broker.launch();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code 127.0.0.1:<port>}, the same across restarts. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Whether the broker process is running. */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the broker cleanly (SIGTERM: controlled shutdown, log flushed) and waits for its exit. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        awaitExit();
    }

    /** Kills the broker (SIGKILL): what a crash or a lost machine looks like to clients. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        awaitExit();
    }

    /** Starts the broker again on the same port and log directory (stopping it first when it runs). */
    public synchronized void restart() {
        stop();
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        stop();
        if (ownLogDir) {
            Directories.deleteQuietly(logDir);
        }
        try {
            Files.deleteIfExists(output);
        } catch (IOException ignored) {
            // a temporary file
        }
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + options.maxHeapMegabytes() + "m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                TestkitCommand.class.getName(), "kafka",
                "--port", String.valueOf(port),
                "--controller-port", String.valueOf(controllerPort),
                "--partitions", String.valueOf(options.partitions()),
                "--data-dir", logDir.toString()));
        if (!options.queues().isEmpty()) {
            command.add("--topics");
            command.add(String.join(",", options.queues()));
        }
        Process started = new ProcessBuilder(command)
                .redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .start();
        process = started;
        CompletableFuture<Void> ready = CompletableFuture.runAsync(() -> awaitReady(started));
        try {
            ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.destroyForcibly();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            started.destroyForcibly();
            throw new IllegalStateException("The Kafka broker did not start within " + READY_TIMEOUT + ": "
                    + tail(), e);
        }
    }

    private static void awaitReady(Process started) {
        BufferedReader reader = new BufferedReader(new InputStreamReader(started.getInputStream(),
                StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith(KafkaBrokerCommand.READY)) {
                    // Keep draining stdout so the child never blocks on a full pipe.
                    Thread drain = new Thread(() -> drain(reader), "kafka-broker-stdout");
                    drain.setDaemon(true);
                    drain.start();
                    return;
                }
            }
            throw new IllegalStateException("The Kafka broker exited with " + started.waitFor());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void drain(BufferedReader reader) {
        try {
            while (reader.readLine() != null) {
                // discard
            }
        } catch (IOException ignored) {
            // the broker exited
        }
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }
}
