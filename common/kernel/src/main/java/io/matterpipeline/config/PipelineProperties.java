package io.matterpipeline.config;

import io.matterpipeline.contract.Queues;
import java.nio.file.Path;
import java.time.Duration;
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
        AZURE
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
     * @param maxQueuedPages PageTasks the pages queue holds waiting for a worker (about 0.5 KB of heap each); a
     *     page-splitter publishing beyond it waits, without holding a thread, until workers take pages; 0 for no bound
     */
    public record InMemory(
            @DefaultValue("30s") Duration lockDuration,
            @DefaultValue("10") int maxDeliveryCount,
            @DefaultValue("0") double duplicateDeliveryRate,
            @DefaultValue("0") double handlerCrashRate,
            Long seed,
            @DefaultValue("50ms") Duration lockCheckInterval,
            @DefaultValue("2000") int maxQueuedPages) {

        public InMemory {
            if (maxQueuedPages < 0) {
                throw new IllegalArgumentException("matter-pipeline.bus.in-memory.max-queued-pages must be >= 0");
            }
        }
    }

    /**
     * @param type which adapter stores blobs: {@code filesystem} or {@code azure}
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
