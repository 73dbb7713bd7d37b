package io.matterpipeline.bus.servicebus;

import io.matterpipeline.config.ConnectionStrings;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the Azure Service Bus adapter, active when {@code matter-pipeline.bus.type=servicebus}. Exactly one of
 * {@code connection-string} (development, the emulator) and {@code fully-qualified-namespace} (production,
 * authenticated with {@code DefaultAzureCredential}: managed identity, workload identity, environment, Azure CLI) is
 * needed; the connection string wins when both are set. Prefetch and concurrency are per consumer
 * ({@link io.matterpipeline.bus.ConsumerSettings}).
 *
 * @param connectionString namespace connection string ({@code Endpoint=sb://...;SharedAccessKeyName=...}); with
 *     {@code UseDevelopmentEmulator=true} for a local emulator
 * @param fullyQualifiedNamespace namespace host such as {@code my-namespace.servicebus.windows.net}, authenticated
 *     with DefaultAzureCredential
 * @param webSockets whether AMQP runs over web sockets on port 443 (for networks that block 5671)
 * @param maxRetries retries of one SDK operation (send, settle, renew, link creation) after its first try
 * @param retryDelay delay before the first retry of an SDK operation; grows exponentially
 * @param maxRetryDelay longest delay between retries of an SDK operation; at least retry-delay + 4 s (the SDK waits
 *     that long before re-creating a link)
 * @param tryTimeout time one try of an SDK operation may take before it counts as failed
 * @param settleTimeout time one settlement (complete, abandon, dead-letter) may take before it is tried again; a
 *     settlement sent while its receive link closes can go unanswered, and the next try goes through
 *     {@code $management} by lock token
 * @param lockDuration the queues' lock duration, when set; otherwise it is derived from each message's locked-until
 *     at receive time (consumers renew locks every half lock duration)
 * @param reconnectDelay delay before a consumer receives again after its receive link failed for good (the SDK's own
 *     retries were spent); doubles per failure
 * @param maxReconnectDelay longest such delay
 * @param deadLetterWait how long a dead-letter replay waits for the next dead-lettered message before it considers
 *     the dead-letter queue drained
 * @param deadLetterScanLimit dead-lettered messages a replay by message id looks at, at most
 * @param duplicateDetectionWindow the queues' duplicate detection window; a replay leaves a dead-lettered message
 *     younger than this in the dead-letter queue (the broker would drop it as a duplicate); zero when detection is off
 */
@ConfigurationProperties("matter-pipeline.bus.servicebus")
public record ServiceBusProperties(
        String connectionString,
        String fullyQualifiedNamespace,
        @DefaultValue("false") boolean webSockets,
        @DefaultValue("3") int maxRetries,
        @DefaultValue("800ms") Duration retryDelay,
        @DefaultValue("1m") Duration maxRetryDelay,
        @DefaultValue("60s") Duration tryTimeout,
        @DefaultValue("10s") Duration settleTimeout,
        Duration lockDuration,
        @DefaultValue("1s") Duration reconnectDelay,
        @DefaultValue("30s") Duration maxReconnectDelay,
        @DefaultValue("5s") Duration deadLetterWait,
        @DefaultValue("1000") int deadLetterScanLimit,
        @DefaultValue("10m") Duration duplicateDetectionWindow) {

    private static final String PREFIX = "matter-pipeline.bus.servicebus.";
    /** What azure-core-amqp adds to the retry delay when it re-creates a link. */
    private static final Duration SDK_SERVER_BUSY_WAIT = Duration.ofSeconds(4);

    public ServiceBusProperties {
        connectionString = blankToNull(connectionString);
        if (connectionString != null) {
            ConnectionStrings.requireShape(connectionString, "matter-pipeline.bus.servicebus.connection-string",
                    "a Service Bus connection string (Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=... "
                            + "or Endpoint=sb://...;SharedAccessSignature=...)", keys -> keys.contains("endpoint"));
        }
        fullyQualifiedNamespace = blankToNull(fullyQualifiedNamespace);
        retryDelay = orDefault(retryDelay, Duration.ofMillis(800));
        maxRetryDelay = orDefault(maxRetryDelay, Duration.ofMinutes(1));
        tryTimeout = orDefault(tryTimeout, Duration.ofSeconds(60));
        settleTimeout = orDefault(settleTimeout, Duration.ofSeconds(10));
        reconnectDelay = orDefault(reconnectDelay, Duration.ofSeconds(1));
        maxReconnectDelay = orDefault(maxReconnectDelay, Duration.ofSeconds(30));
        deadLetterWait = orDefault(deadLetterWait, Duration.ofSeconds(5));
        duplicateDetectionWindow = orDefault(duplicateDetectionWindow, Duration.ofMinutes(10));
        if (maxRetries < 0) {
            throw new IllegalArgumentException(PREFIX + "max-retries must be >= 0, was " + maxRetries);
        }
        if (deadLetterScanLimit < 1) {
            throw new IllegalArgumentException(PREFIX + "dead-letter-scan-limit must be >= 1, was "
                    + deadLetterScanLimit);
        }
        requirePositive("retry-delay", retryDelay);
        requirePositive("max-retry-delay", maxRetryDelay);
        requirePositive("try-timeout", tryTimeout);
        requirePositive("settle-timeout", settleTimeout);
        requirePositive("reconnect-delay", reconnectDelay);
        requirePositive("max-reconnect-delay", maxReconnectDelay);
        requirePositive("dead-letter-wait", deadLetterWait);
        if (maxRetryDelay.compareTo(retryDelay.plus(SDK_SERVER_BUSY_WAIT)) < 0) {
            // The SDK re-creates links with a backoff from retry-delay + 4 s up to max-retry-delay; a smaller maximum
            // makes its jitter computation throw ("bound must be greater than origin") and the link never returns.
            throw new IllegalArgumentException(PREFIX + "max-retry-delay must be at least retry-delay + 4s, was "
                    + maxRetryDelay);
        }
        if (lockDuration != null) {
            requirePositive("lock-duration", lockDuration);
        }
        if (duplicateDetectionWindow.isNegative()) {
            throw new IllegalArgumentException(PREFIX + "duplicate-detection-window must not be negative");
        }
    }

    /** Default settings for a connection string (the emulator or a development namespace). */
    public static ServiceBusProperties ofConnectionString(String connectionString) {
        return new ServiceBusProperties(connectionString, null, false, 3, Duration.ofMillis(800),
                Duration.ofMinutes(1), Duration.ofSeconds(60), Duration.ofSeconds(10), null, Duration.ofSeconds(1),
                Duration.ofSeconds(30),
                Duration.ofSeconds(5), 1000, Duration.ofMinutes(10));
    }

    /** These settings with another SDK retry policy. */
    public ServiceBusProperties withRetries(int maxRetries, Duration retryDelay, Duration maxRetryDelay,
            Duration tryTimeout) {
        return new ServiceBusProperties(connectionString, fullyQualifiedNamespace, webSockets, maxRetries, retryDelay,
                maxRetryDelay, tryTimeout, settleTimeout, lockDuration, reconnectDelay, maxReconnectDelay,
                deadLetterWait, deadLetterScanLimit, duplicateDetectionWindow);
    }

    /** These settings with a configured lock duration (instead of one derived from each message's lock). */
    public ServiceBusProperties withLockDuration(Duration lockDuration) {
        return new ServiceBusProperties(connectionString, fullyQualifiedNamespace, webSockets, maxRetries, retryDelay,
                maxRetryDelay, tryTimeout, settleTimeout, lockDuration, reconnectDelay, maxReconnectDelay,
                deadLetterWait, deadLetterScanLimit, duplicateDetectionWindow);
    }

    /** These settings with another reconnect policy of consumers. */
    public ServiceBusProperties withReconnect(Duration reconnectDelay, Duration maxReconnectDelay) {
        return new ServiceBusProperties(connectionString, fullyQualifiedNamespace, webSockets, maxRetries, retryDelay,
                maxRetryDelay, tryTimeout, settleTimeout, lockDuration, reconnectDelay, maxReconnectDelay,
                deadLetterWait, deadLetterScanLimit, duplicateDetectionWindow);
    }

    /** These settings with other dead-letter replay settings. */
    public ServiceBusProperties withDeadLetterReplay(Duration deadLetterWait, int deadLetterScanLimit,
            Duration duplicateDetectionWindow) {
        return new ServiceBusProperties(connectionString, fullyQualifiedNamespace, webSockets, maxRetries, retryDelay,
                maxRetryDelay, tryTimeout, settleTimeout, lockDuration, reconnectDelay, maxReconnectDelay,
                deadLetterWait, deadLetterScanLimit, duplicateDetectionWindow);
    }

    @Override
    public String toString() {
        // The connection string carries the key: never log it.
        return "ServiceBusProperties[connectionString=" + (connectionString == null ? "unset" : "***")
                + ", fullyQualifiedNamespace=" + fullyQualifiedNamespace + ", webSockets=" + webSockets
                + ", maxRetries=" + maxRetries + ", retryDelay=" + retryDelay + ", maxRetryDelay=" + maxRetryDelay
                + ", tryTimeout=" + tryTimeout + ", settleTimeout=" + settleTimeout + ", lockDuration=" + lockDuration
                + ", reconnectDelay="
                + reconnectDelay + ", maxReconnectDelay=" + maxReconnectDelay + ", deadLetterWait=" + deadLetterWait
                + ", deadLetterScanLimit=" + deadLetterScanLimit + ", duplicateDetectionWindow="
                + duplicateDetectionWindow + "]";
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static Duration orDefault(Duration value, Duration fallback) {
        return value == null ? fallback : value;
    }

    private static void requirePositive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(PREFIX + name + " must be positive, was " + value);
        }
    }
}
