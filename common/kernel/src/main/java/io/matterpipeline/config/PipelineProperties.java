package io.matterpipeline.config;

import io.matterpipeline.contract.Queues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The shared infrastructure of every service: which message bus and blob store adapters run, and the queue names.
 * Every default is safe for a local run: the in-memory bus and a filesystem store under {@code ./data}.
 *
 * @param bus the message bus adapter and its settings
 * @param blob the blob store adapter and its settings
 * @param queues the queue names
 */
@ConfigurationProperties("matter-pipeline")
public record PipelineProperties(@DefaultValue Bus bus, @DefaultValue Blob blob, @DefaultValue QueueNames queues) {

    /** The message bus adapters. */
    public enum BusType {
        /** In this JVM, Service Bus semantics, nothing survives a restart (single-JVM mode, tests). */
        IN_MEMORY,
        /** Azure Service Bus (production). */
        SERVICEBUS,
        /** Apache Kafka. */
        KAFKA
    }

    /** The blob store adapters. */
    public enum BlobType {
        /** A local directory (single-JVM mode, tests). */
        FILESYSTEM,
        /** Azure Blob Storage (production). */
        AZURE,
        /** The process's memory: nothing outlives it (benchmarks of the pipeline's own cost, tests). */
        MEMORY
    }

    /**
     * @param type which adapter carries messages: {@code in-memory}, {@code servicebus} or {@code kafka}
     * @param inMemory settings of the in-memory bus
     */
    public record Bus(@DefaultValue("in-memory") BusType type, @DefaultValue InMemory inMemory) {
    }

    /**
     * @param lockDuration how long a delivery stays locked before it is redelivered, like Service Bus LockDuration
     * @param maxDeliveryCount deliveries after which a failing message is dead-lettered, like Service Bus
     *     MaxDeliveryCount
     * @param duplicateDeliveryRate fault injection, 0..1: share of published messages delivered twice
     * @param handlerCrashRate fault injection, 0..1: share of completions lost as if the process crashed before
     *     settling (the message is redelivered when its lock expires)
     * @param seed seed of the fault injection, for reproducible runs; unset for a random one
     * @param lockCheckInterval how often expired locks are looked for
     * @param maxQueued how many messages each in-memory queue of the pipeline holds waiting for its consumer
     */
    public record InMemory(
            @DefaultValue("30s") Duration lockDuration,
            @DefaultValue("10") int maxDeliveryCount,
            @DefaultValue("0") double duplicateDeliveryRate,
            @DefaultValue("0") double handlerCrashRate,
            Long seed,
            @DefaultValue("50ms") Duration lockCheckInterval,
            @DefaultValue MaxQueued maxQueued) {
    }

    /**
     * Bounds of the in-memory queues, so a large Matter does not sit in the heap at once: a publisher beyond a bound
     * waits, without holding a thread, until the consumer takes messages (backpressure up to the upload or the
     * splitter); nothing is dropped, and redeliveries and a handler publishing to its own queue never wait. 0 for no
     * bound. {@code matters-completed} is not bounded: in one JVM nothing may consume it.
     *
     * @param documents DocumentReceived waiting for the page-splitter (about 0.5 KB each); an upload or a trigger
     *     publishing beyond it waits
     * @param pages PageTasks waiting for a worker (about 0.5 KB each); the page-splitter's publish waits beyond it
     * @param results facts waiting for the aggregator (about 0.5 KB a page); workers and the splitter wait beyond it
     */
    public record MaxQueued(
            @DefaultValue("1000") int documents,
            @DefaultValue("2000") int pages,
            @DefaultValue("10000") int results) {

        public MaxQueued {
            if (documents < 0 || pages < 0 || results < 0) {
                throw new IllegalArgumentException("matter-pipeline.bus.in-memory.max-queued.* must be >= 0");
            }
        }

        /** The bound of each named queue, by its configured name; queues without a bound are left out. */
        public Map<String, Integer> capacities(QueueNames names) {
            Map<String, Integer> capacities = new HashMap<>();
            bound(capacities, names.documents(), documents);
            bound(capacities, names.pages(), pages);
            bound(capacities, names.results(), results);
            return capacities;
        }

        private static void bound(Map<String, Integer> capacities, String queue, int capacity) {
            if (capacity > 0) {
                capacities.put(queue, capacity);
            }
        }
    }

    /**
     * @param type which adapter stores blobs: {@code filesystem}, {@code azure} or {@code memory}
     * @param filesystem settings of the filesystem store
     */
    public record Blob(@DefaultValue("filesystem") BlobType type, @DefaultValue Filesystem filesystem) {
    }

    /**
     * @param root the directory holding the blobs (created if missing)
     * @param ioThreads threads of the store's own executor for its blocking file I/O
     * @param ioQueue file operations that may wait for one of those threads; beyond it an operation fails as
     *     transient ({@code blob-io-busy})
     */
    public record Filesystem(@DefaultValue("./data") Path root, @DefaultValue("8") int ioThreads,
            @DefaultValue("10000") int ioQueue) {
    }

    /**
     * @param documents queue of DocumentReceived, from ingest to the page-splitter
     * @param pages queue of PageTask, from the page-splitter to the llm-workers
     * @param results queue of the facts the aggregator merges (DocumentSplit, PagesExtracted, MatterSealed, ...)
     * @param mattersCompleted queue of MatterCompleted, for upstream systems
     */
    public record QueueNames(
            @DefaultValue(Queues.DOCUMENTS) String documents,
            @DefaultValue(Queues.PAGES) String pages,
            @DefaultValue(Queues.RESULTS) String results,
            @DefaultValue(Queues.MATTERS_COMPLETED) String mattersCompleted) {
    }
}
