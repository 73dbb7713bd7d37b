package io.matterpipeline.bus.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the Kafka adapter, active when {@code matter-pipeline.bus.type=kafka}. One of {@code bootstrap-servers}
 * (Apache Kafka) and {@code connection-string} (Azure Event Hubs' Kafka endpoint: SASL_SSL, mechanism PLAIN, user
 * {@code $ConnectionString}) is needed; with both, the bootstrap servers win and the connection string only
 * authenticates.
 *
 * @param bootstrapServers {@code host:port[,host:port]} of the brokers
 * @param connectionString an Event Hubs namespace connection string ({@code Endpoint=sb://NS.servicebus.windows.net/;
 *     SharedAccessKeyName=...;SharedAccessKey=...}); the bootstrap servers become {@code NS.servicebus.windows.net:9093}
 * @param groupIdPrefix prefix of the consumer group of each queue: the group is {@code <prefix><queue>}, so every
 *     instance of the service consuming a queue competes in one group
 * @param createTopics whether the adapter creates a queue's topics ({@code <q>}, {@code <q>.retry}, {@code <q>.DLT})
 *     on first use when they are missing
 * @param partitions partitions of the topics the adapter creates; at least the number of consumer instances of the
 *     queue (a partition is read by one consumer of the group at a time)
 * @param replicationFactor replication factor of the topics the adapter creates
 * @param lockDuration how long a delivery may stay unsettled before the adapter abandons it for redelivery (Kafka has
 *     no broker-side lock: this is a lease kept by the consumer process, renewed by the queue consumer while its
 *     handler runs)
 * @param maxDeliveryCount deliveries after which an abandoned record goes to {@code <q>.DLT} with reason
 *     {@code MaxDeliveryCountExceeded}, as Service Bus's MaxDeliveryCount
 * @param redeliveryDelay how long an abandoned record waits in {@code <q>.retry} before it is delivered again (its
 *     {@code not-before} header); the queue consumer has already backed off before abandoning
 * @param maxUnsettled records per consumer received but not yet settled, across partitions; beyond it the consumer
 *     pauses (the bounded out-of-order window: offsets are committed only up to the first unsettled record)
 * @param commitInterval how often settled offsets are committed
 * @param rebalanceWait how long a consumer losing partitions in a rebalance waits for their unsettled deliveries
 *     before it lets them go (they are then redelivered to the new owner)
 * @param receiveBuffer records fetched ahead of demand per consumer (besides the receive options' prefetch)
 * @param deadLetterScanLimit records of a dead-letter topic that listing and replaying look at, at most
 * @param matterKeyedQueues queues whose records are keyed by the message's Matter id (one partition per Matter, in
 *     order); every other queue's records are keyed by message id (spread evenly): {@link KeyPolicy}
 * @param client further Kafka client settings for producers, consumers and the admin client ({@code linger.ms},
 *     {@code ssl.truststore.location}, ...), passed through unchanged
 */
@ConfigurationProperties("matter-pipeline.bus.kafka")
public record KafkaBusProperties(
        String bootstrapServers,
        String connectionString,
        @DefaultValue("") String groupIdPrefix,
        @DefaultValue("true") boolean createTopics,
        @DefaultValue("3") int partitions,
        @DefaultValue("1") short replicationFactor,
        @DefaultValue("5m") Duration lockDuration,
        @DefaultValue("10") int maxDeliveryCount,
        @DefaultValue("0s") Duration redeliveryDelay,
        @DefaultValue("1000") int maxUnsettled,
        @DefaultValue("1s") Duration commitInterval,
        @DefaultValue("30s") Duration rebalanceWait,
        @DefaultValue("16") int receiveBuffer,
        @DefaultValue("10000") int deadLetterScanLimit,
        @DefaultValue({"results", "matters-completed"}) Set<String> matterKeyedQueues,
        Map<String, String> client) {

    private static final String PREFIX = "matter-pipeline.bus.kafka.";

    public KafkaBusProperties {
        bootstrapServers = blankToNull(bootstrapServers);
        connectionString = blankToNull(connectionString);
        groupIdPrefix = groupIdPrefix == null ? "" : groupIdPrefix;
        lockDuration = orDefault(lockDuration, Duration.ofMinutes(5));
        redeliveryDelay = orDefault(redeliveryDelay, Duration.ZERO);
        commitInterval = orDefault(commitInterval, Duration.ofSeconds(1));
        rebalanceWait = orDefault(rebalanceWait, Duration.ofSeconds(30));
        client = client == null ? Map.of() : Map.copyOf(client);
        matterKeyedQueues = matterKeyedQueues == null ? Set.of() : Set.copyOf(matterKeyedQueues);
        requireAtLeastOne("partitions", partitions);
        requireAtLeastOne("replication-factor", replicationFactor);
        requireAtLeastOne("max-delivery-count", maxDeliveryCount);
        requireAtLeastOne("max-unsettled", maxUnsettled);
        requireAtLeastOne("receive-buffer", receiveBuffer);
        requireAtLeastOne("dead-letter-scan-limit", deadLetterScanLimit);
        if (lockDuration.isZero() || lockDuration.isNegative()) {
            throw new IllegalArgumentException(PREFIX + "lock-duration must be positive, was " + lockDuration);
        }
        if (redeliveryDelay.isNegative() || commitInterval.isNegative() || commitInterval.isZero()
                || rebalanceWait.isNegative()) {
            throw new IllegalArgumentException(PREFIX + "redelivery-delay and rebalance-wait must not be negative, "
                    + "commit-interval must be positive");
        }
    }

    /** Defaults for a broker at these bootstrap servers (development, tests). */
    public static KafkaBusProperties ofBootstrapServers(String bootstrapServers) {
        return new KafkaBusProperties(bootstrapServers, null, "", true, 3, (short) 1, Duration.ofMinutes(5), 10,
                Duration.ZERO, 1000, Duration.ofSeconds(1), Duration.ofSeconds(30), 16, 10000,
                Set.of("results", "matters-completed"), Map.of());
    }

    /** These settings with another lease and delivery budget (what a Service Bus queue's settings are). */
    public KafkaBusProperties withDelivery(Duration lockDuration, int maxDeliveryCount, Duration redeliveryDelay) {
        return new KafkaBusProperties(bootstrapServers, connectionString, groupIdPrefix, createTopics, partitions,
                replicationFactor, lockDuration, maxDeliveryCount, redeliveryDelay, maxUnsettled, commitInterval,
                rebalanceWait, receiveBuffer, deadLetterScanLimit, matterKeyedQueues, client);
    }

    /** These settings with another number of partitions for the topics the adapter creates. */
    public KafkaBusProperties withPartitions(int partitions) {
        return new KafkaBusProperties(bootstrapServers, connectionString, groupIdPrefix, createTopics, partitions,
                replicationFactor, lockDuration, maxDeliveryCount, redeliveryDelay, maxUnsettled, commitInterval,
                rebalanceWait, receiveBuffer, deadLetterScanLimit, matterKeyedQueues, client);
    }

    /** These settings with other commit and rebalance timings. */
    public KafkaBusProperties withCommits(Duration commitInterval, Duration rebalanceWait) {
        return new KafkaBusProperties(bootstrapServers, connectionString, groupIdPrefix, createTopics, partitions,
                replicationFactor, lockDuration, maxDeliveryCount, redeliveryDelay, maxUnsettled, commitInterval,
                rebalanceWait, receiveBuffer, deadLetterScanLimit, matterKeyedQueues, client);
    }

    @Override
    public String toString() {
        // The connection string carries the key: never log it.
        return "KafkaBusProperties[bootstrapServers=" + bootstrapServers + ", connectionString="
                + (connectionString == null ? "unset" : "***") + ", groupIdPrefix=" + groupIdPrefix
                + ", createTopics=" + createTopics + ", partitions=" + partitions + ", lockDuration=" + lockDuration
                + ", maxDeliveryCount=" + maxDeliveryCount + ", redeliveryDelay=" + redeliveryDelay
                + ", maxUnsettled=" + maxUnsettled + ", commitInterval=" + commitInterval + ", rebalanceWait="
                + rebalanceWait + ", receiveBuffer=" + receiveBuffer + ", client=" + client.keySet() + "]";
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static Duration orDefault(Duration value, Duration fallback) {
        return value == null ? fallback : value;
    }

    private static void requireAtLeastOne(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(PREFIX + name + " must be >= 1, was " + value);
        }
    }
}
