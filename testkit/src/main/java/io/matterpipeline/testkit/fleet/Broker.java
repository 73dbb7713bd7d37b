package io.matterpipeline.testkit.fleet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.matterpipeline.testkit.TestkitCommand;
import io.matterpipeline.testkit.servicebus.QueueStats;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Service Bus emulator as its own OS process ({@code testkit servicebus --data-dir}), so that it can be
 * SIGKILLed and started again on the same port and data directory like a broker failing over. Its queue statistics
 * come from its {@code --stats-port}.
 */
final class Broker {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration STATS_TIMEOUT = Duration.ofSeconds(2);

    private final List<String> queues;
    private final int port;
    private final int statsPort;
    private final Path dataDirectory;
    private final Duration lockDuration;
    private final int maxDeliveryCount;
    private final Path log;
    /** Delivery counters of processes that ended: the new process counts from zero. */
    private final Map<String, long[]> before = new LinkedHashMap<>();
    private Map<String, QueueStats> last = Map.of();
    private Process process;

    Broker(List<String> queues, int port, int statsPort, Path dataDirectory, Duration lockDuration,
            int maxDeliveryCount, Path log) {
        this.queues = List.copyOf(queues);
        this.port = port;
        this.statsPort = statsPort;
        this.dataDirectory = dataDirectory;
        this.lockDuration = lockDuration;
        this.maxDeliveryCount = maxDeliveryCount;
        this.log = log;
    }

    String connectionString() {
        return "Endpoint=sb://localhost:" + port + ";SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true";
    }

    /** Starts the emulator process and waits until it answers on its stats port. */
    void start(HttpClient http, Duration within) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), TestkitCommand.class.getName(), "servicebus",
                "--port", Integer.toString(port), "--stats-port", Integer.toString(statsPort),
                "--queues", String.join(",", queues), "--data-dir", dataDirectory.toString(),
                "--lock-duration", lockDuration.toMillis() + "ms",
                "--max-delivery-count", Integer.toString(maxDeliveryCount), "--duplicate-detection", "10m"));
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + within.toNanos();
        while (stats(http) == null) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("The Service Bus emulator did not start within " + within
                        + "; see " + log);
            }
            Thread.sleep(100);
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: whatever the emulator acknowledged is in its data directory; locks are lost. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            // What the killed process counted since the last poll is lost; what was polled is kept.
            last.forEach((queue, stats) -> {
                long[] sum = before.computeIfAbsent(queue, name -> new long[2]);
                sum[0] += stats.deliveries();
                sum[1] += stats.redeliveries();
            });
            last = Map.of();
        }
    }

    /** SIGTERM and wait. */
    void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    /**
     * Every queue's statistics, with deliveries and redeliveries summed over the broker's lives; null while the broker
     * does not answer.
     */
    Map<String, QueueStats> stats(HttpClient http) {
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort
                    + "/stats")).timeout(STATS_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                return null;
            }
            JsonNode json = JSON.readTree(response.body()).path("queues");
            Map<String, QueueStats> current = new LinkedHashMap<>();
            Map<String, QueueStats> total = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> queue : json.properties()) {
                JsonNode q = queue.getValue();
                QueueStats stats = new QueueStats(q.path("active").asInt(), q.path("deadLettered").asInt(),
                        q.path("scheduled").asInt(), q.path("deliveries").asLong(), q.path("redeliveries").asLong());
                current.put(queue.getKey(), stats);
                long[] sum = before.getOrDefault(queue.getKey(), new long[2]);
                total.put(queue.getKey(), new QueueStats(stats.active(), stats.deadLettered(), stats.scheduled(),
                        stats.deliveries() + sum[0], stats.redeliveries() + sum[1]));
            }
            last = current;
            return total;
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
