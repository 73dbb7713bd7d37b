package io.matterpipeline.testkit.kafka;

import java.nio.file.Path;
import java.util.List;

/**
 * How a {@link KafkaBroker} starts.
 *
 * @param queues queues to create topics for ({@code <q>}, {@code <q>.retry}, {@code <q>.DLT}); others are created by
 *     clients (the Kafka adapter does) or auto-created
 * @param partitions partitions per created topic
 * @param dataDir the broker's log directory, kept after it stops; null for a temporary one (deleted on close, kept
 *     across {@link KafkaBroker#restart()})
 * @param maxHeapMegabytes heap of the broker JVM
 */
public record KafkaBrokerOptions(List<String> queues, int partitions, Path dataDir, int maxHeapMegabytes) {

    /** The pipeline's four queues. */
    public static final List<String> PIPELINE_QUEUES = List.of("documents", "pages", "results", "matters-completed");

    public KafkaBrokerOptions {
        queues = List.copyOf(queues);
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1");
        }
    }

    /** A broker with the pipeline's topics, {@code partitions} each, in a temporary directory. */
    public static KafkaBrokerOptions pipelineTopics(int partitions) {
        return new KafkaBrokerOptions(PIPELINE_QUEUES, partitions, null, 384);
    }

    /** A broker with no topics created up front. */
    public static KafkaBrokerOptions noTopics() {
        return new KafkaBrokerOptions(List.of(), 1, null, 384);
    }

    public KafkaBrokerOptions withDataDir(Path dataDir) {
        return new KafkaBrokerOptions(queues, partitions, dataDir, maxHeapMegabytes);
    }
}
