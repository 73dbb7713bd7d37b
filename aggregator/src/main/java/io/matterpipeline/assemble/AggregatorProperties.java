package io.matterpipeline.assemble;

import io.matterpipeline.bus.ConsumerProperties;
import io.matterpipeline.bus.ConsumerSettings;
import io.matterpipeline.config.PropertyDefaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the aggregator, prefix {@code matter-pipeline.aggregator}. Every default is safe for local use. The
 * queue names are shared with the other services: {@code matter-pipeline.queues.results} and
 * {@code matter-pipeline.queues.matters-completed}.
 *
 * @param concurrency result messages handled at once by one aggregator instance
 * @param consumer how the results queue is consumed ({@link ConsumerProperties}, shared by every consumer)
 * @param progress the compare-and-swap updates of the progress blobs
 * @param merge how page results are merged into document and Matter results
 */
@ConfigurationProperties("matter-pipeline.aggregator")
public record AggregatorProperties(
        @DefaultValue("16") int concurrency,
        @DefaultValue @NestedConfigurationProperty ConsumerProperties consumer,
        @DefaultValue Progress progress,
        @DefaultValue Merge merge) {

    public AggregatorProperties {
        if (concurrency < 1) {
            throw new IllegalArgumentException("matter-pipeline.aggregator.concurrency must be >= 1");
        }
        consumer = consumer == null ? ConsumerProperties.defaults() : consumer;
        progress = progress == null ? PropertyDefaults.of(Progress.class) : progress;
        merge = merge == null ? PropertyDefaults.of(Merge.class) : merge;
    }

    /** The defaults, as Spring binds them with no properties set (tests, programmatic use). */
    public static AggregatorProperties defaults() {
        return PropertyDefaults.of(AggregatorProperties.class);
    }

    /** The settings of the results queue's consumer. */
    public ConsumerSettings consumerSettings() {
        return consumer.toSettings(concurrency);
    }

    /**
     * Compare-and-swap updates of the progress blobs. Many pages of one document finish at about the same time: their
     * facts are folded into one write per document ({@code batch-window}, {@code batch-max-facts}), and a conflicting
     * write (another aggregator instance) is retried; after {@code casMaxAttempts} lost races the message is retried
     * later by the bus.
     *
     * @param casMaxAttempts conflicting writes retried per update before the message is handed back to the bus
     * @param casFirstBackoff first delay after a lost race; grows exponentially
     * @param casMaxBackoff longest delay after a lost race
     * @param casJitter random share (0..1) of each delay, so racing writers spread out
     * @param batchWindow how long a page's fact waits for more facts of its document before they are written together
     *     (sooner when the batch is full, every consumer slot is waiting, or the document has no other page
     *     outstanding)
     * @param batchMaxFacts facts of one document written in one batch at most
     */
    public record Progress(
            @DefaultValue("50") int casMaxAttempts,
            @DefaultValue("5ms") Duration casFirstBackoff,
            @DefaultValue("250ms") Duration casMaxBackoff,
            @DefaultValue("0.75") double casJitter,
            @DefaultValue("1s") Duration batchWindow,
            @DefaultValue("256") int batchMaxFacts) {

        public Progress {
            if (casMaxAttempts < 0) {
                throw new IllegalArgumentException("matter-pipeline.aggregator.progress.cas-max-attempts must be >= 0");
            }
            if (casJitter < 0 || casJitter > 1) {
                throw new IllegalArgumentException("matter-pipeline.aggregator.progress.cas-jitter must be in 0..1");
            }
            batchWindow = batchWindow == null ? Duration.ofSeconds(1) : batchWindow;
            if (batchWindow.isNegative()) {
                throw new IllegalArgumentException("matter-pipeline.aggregator.progress.batch-window must be >= 0");
            }
            if (batchMaxFacts < 1) {
                throw new IllegalArgumentException("matter-pipeline.aggregator.progress.batch-max-facts must be >= 1");
            }
        }
    }

    /**
     * Merging and writing results. Results are written as streams and items are merged through sorted runs on local
     * disk, so the heap an assembly needs is about {@code 2 × memory} whatever the size of the Matter; at most
     * {@code assemblies} run at once per instance.
     *
     * @param readConcurrency blob requests at once of one assembly: page blobs read for a document result, item pages
     *     written for a document or Matter result
     * @param keyIgnoredFields item fields besides {@code quote} that describe one occurrence (its page, the worker's
     *     quote check and confidence): they never make two items different and move into the {@code quotes} entries
     * @param memory heap one merge fills before it writes a sorted run to {@code spill-directory}
     * @param spillDirectory local directory for merge runs and spooled pages while a result is written (deleted as
     *     soon as it is); needs free space about the size of the largest Matter result; default: a
     *     {@code matter-pipeline-aggregator} folder in the system's temporary directory
     * @param assemblies document or Matter results written at once by one instance; others wait their turn
     */
    public record Merge(
            @DefaultValue("8") int readConcurrency,
            @DefaultValue({"page", "confidence", "quoteConfidence", "quoteFound", "quoteVerified", "quoteMatch"})
            List<String> keyIgnoredFields,
            @DefaultValue("8MB") DataSize memory,
            Path spillDirectory,
            @DefaultValue("2") int assemblies) {

        public Merge {
            if (readConcurrency < 1) {
                throw new IllegalArgumentException("matter-pipeline.aggregator.merge.read-concurrency must be >= 1");
            }
            if (assemblies < 1) {
                throw new IllegalArgumentException("matter-pipeline.aggregator.merge.assemblies must be >= 1");
            }
            // Unset means the default list (the annotation above), never an empty one.
            keyIgnoredFields = keyIgnoredFields == null ? PropertyDefaults.of(Merge.class).keyIgnoredFields()
                    : List.copyOf(keyIgnoredFields);
            memory = memory == null ? DataSize.ofMegabytes(8) : memory;
            if (memory.toBytes() < 64 * 1024) {
                throw new IllegalArgumentException("matter-pipeline.aggregator.merge.memory must be >= 64KB");
            }
            spillDirectory = spillDirectory == null
                    ? Path.of(System.getProperty("java.io.tmpdir"), "matter-pipeline-aggregator")
                    : spillDirectory;
        }
    }
}
