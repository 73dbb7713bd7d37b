package io.matterpipeline.testkit.servicebus;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import com.sun.net.httpserver.HttpServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code testkit servicebus}: runs a {@link ServiceBusEmulator} on loopback, prints its connection string and keeps
 * running until the process is stopped.
 */
@Command(name = "servicebus", mixinStandardHelpOptions = true,
        description = "Azure Service Bus emulator (AMQP 1.0 on 127.0.0.1) for the unmodified Service Bus SDKs.")
public final class ServiceBusEmulatorCommand implements Callable<Integer> {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Option(names = "--port", defaultValue = "5672", description = "TCP port on 127.0.0.1, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--queues", split = ",", required = true, description = "Queue names, comma-separated.")
    List<String> queues;

    @Option(names = "--lock-duration", defaultValue = "60s", converter = DurationConverter.class,
            description = "Peek-lock duration, e.g. 30s, 2m, 500ms or PT30S (default: ${DEFAULT-VALUE}).")
    Duration lockDuration;

    @Option(names = "--max-delivery-count", defaultValue = "10",
            description = "Failed deliveries before a message is dead-lettered (default: ${DEFAULT-VALUE}).")
    int maxDeliveryCount;

    @Option(names = "--duplicate-detection", converter = DurationConverter.class,
            description = "Enables duplicate detection by MessageId over this window, e.g. 10m (default: off).")
    Duration duplicateDetectionWindow;

    @Option(names = "--max-message-size", defaultValue = "262144",
            description = "Largest message or batch in bytes (default: ${DEFAULT-VALUE}, the Standard tier).")
    int maxMessageSize;

    @Option(names = "--data-dir", paramLabel = "<dir>",
            description = "Journal messages, delivery counts, dead letters, scheduled messages and duplicate-detection "
                    + "ids here, so the emulator killed and started again on the same directory keeps every message "
                    + "it acknowledged (locks are lost, as in a failover, their deliveries counted). "
                    + "Default: memory only.")
    Path dataDirectory;

    @Option(names = "--stats-port", paramLabel = "<port>",
            description = "Also serve GET http://127.0.0.1:<port>/stats: per queue its active, dead-lettered and "
                    + "scheduled messages and the deliveries and redeliveries since start, as JSON (default: off).")
    Integer statsPort;

    @Override
    public Integer call() throws InterruptedException, IOException {
        ServiceBusEmulator emulator = ServiceBusEmulator.start(options());
        HttpServer stats = statsPort == null ? null : serveStats(emulator, statsPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (stats != null) {
                stats.stop(0);
            }
            emulator.close();
            stopped.countDown();
        }, "servicebus-emulator-shutdown"));
        System.out.println(emulator.connectionString());
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** Serves the queues' {@link QueueStats} as JSON, for a local autoscaler and dashboards. */
    static HttpServer serveStats(ServiceBusEmulator emulator, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 8);
        server.createContext("/stats", exchange -> {
            try (exchange) {
                byte[] body = JSON.writeValueAsBytes(Map.of("queues", emulator.stats()));
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        return server;
    }

    /** The emulator options the flags describe; every queue gets the same settings. */
    ServiceBusEmulatorOptions options() {
        ServiceBusEmulatorOptions options = ServiceBusEmulatorOptions.defaults().withPort(port)
                .withMaxMessageSize(maxMessageSize).withDataDirectory(dataDirectory);
        for (String name : queues) {
            QueueOptions queue = QueueOptions.named(name.trim()).withLockDuration(lockDuration)
                    .withMaxDeliveryCount(maxDeliveryCount);
            if (duplicateDetectionWindow != null) {
                queue = queue.withDuplicateDetection(duplicateDetectionWindow);
            }
            options = options.withQueue(queue);
        }
        return options;
    }

    /** Accepts {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h} and ISO-8601 ({@code PT30S}). */
    public static final class DurationConverter implements ITypeConverter<Duration> {

        @Override
        public Duration convert(String value) {
            String text = value.trim().toLowerCase(Locale.ROOT);
            try {
                if (text.startsWith("p")) {
                    return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
                }
                if (text.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
                }
                long amount = Long.parseLong(text.substring(0, text.length() - 1));
                return switch (text.charAt(text.length() - 1)) {
                    case 's' -> Duration.ofSeconds(amount);
                    case 'm' -> Duration.ofMinutes(amount);
                    case 'h' -> Duration.ofHours(amount);
                    default -> throw new TypeConversionException("Unknown unit in '" + value + "'");
                };
            } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
                throw new TypeConversionException("Not a duration: '" + value + "' (use 30s, 2m, 500ms or PT30S)");
            }
        }
    }
}
