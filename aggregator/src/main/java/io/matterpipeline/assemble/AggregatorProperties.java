package io.matterpipeline.assemble;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration of the aggregator, prefix {@code matter-pipeline.aggregator}. Every default is safe for local use. The
 * queue names are shared with the other services: {@code matter-pipeline.queues.results} and
 * {@code matter-pipeline.queues.matters-completed}.
 *
 * @param concurrency result messages handled at once by one aggregator instance
 * @param prefetch messages the bus adapter may buffer beyond demand
 * @param maxDeliveries the results queue's max delivery count (must match the broker's setting)
 * @param retryBackoff first delay before a failed message is abandoned for redelivery; doubles per attempt
 * @param maxRetryBackoff longest delay before a failed message is abandoned for redelivery
 * @param shutdownGrace how long a stopping aggregator lets in-flight messages finish
 * @param progress the compare-and-swap updates of the progress blobs
 * @param merge how page results are merged into document and Matter results
 */
@ConfigurationProperties("matter-pipeline.aggregator")
public record AggregatorProperties(
        @DefaultValue("16") int concurrency,
        @DefaultValue("0") int prefetch,
        @DefaultValue("10") int maxDeliveries,
        @DefaultValue("200ms") Duration retryBackoff,
        @DefaultValue("10s") Duration maxRetryBackoff,
        @DefaultValue("30s") Duration shutdownGrace,
        @DefaultValue Progress progress,
        @DefaultValue Merge merge) {

    public AggregatorProperties {
        if (concurrency < 1) {
            throw new IllegalArgumentException("matter-pipeline.aggregator.concurrency must be >= 1");
        }
        progress = progress == null ? new Progress(50, Duration.ofMillis(5), Duration.ofMillis(250), 0.75) : progress;
        merge = merge == null ? new Merge(8, Merge.DEFAULT_KEY_IGNORED_FIELDS) : merge;
    }

    /** The defaults, for tests and programmatic use. */
    public static AggregatorProperties defaults() {
        return new AggregatorProperties(16, 0, 10, Duration.ofMillis(200),
                Duration.ofSeconds(10), Duration.ofSeconds(30), null, null);
    }

    /**
     * Compare-and-swap retries on the progress blobs. Many pages of one document finish at about the same time, so a
     * conflicting write is normal; after {@code casMaxAttempts} lost races the message is retried later by the bus.
     *
     * @param casMaxAttempts conflicting writes retried per update before the message is handed back to the bus
     * @param casFirstBackoff first delay after a lost race; grows exponentially
     * @param casMaxBackoff longest delay after a lost race
     * @param casJitter random share (0..1) of each delay, so racing writers spread out
     */
    public record Progress(
            @DefaultValue("50") int casMaxAttempts,
            @DefaultValue("5ms") Duration casFirstBackoff,
            @DefaultValue("250ms") Duration casMaxBackoff,
            @DefaultValue("0.75") double casJitter) {

        public Progress {
            if (casMaxAttempts < 0) {
                throw new IllegalArgumentException("matter-pipeline.aggregator.progress.cas-max-attempts must be >= 0");
            }
            if (casJitter < 0 || casJitter > 1) {
                throw new IllegalArgumentException("matter-pipeline.aggregator.progress.cas-jitter must be in 0..1");
            }
        }
    }

    /**
     * Merging.
     *
     * @param readConcurrency page and extraction blobs read at once while a document result is assembled
     * @param keyIgnoredFields item fields besides {@code quote} that describe one occurrence (its page, the worker's
     *     quote check and confidence): they never make two items different and move into the {@code quotes} entries
     */
    public record Merge(
            @DefaultValue("8") int readConcurrency,
            @DefaultValue({"page", "confidence", "quoteConfidence", "quoteFound", "quoteVerified", "quoteMatch"})
            List<String> keyIgnoredFields) {

        /** Fields the worker may add per occurrence of an item; they never distinguish two items. */
        static final List<String> DEFAULT_KEY_IGNORED_FIELDS =
                List.of("page", "confidence", "quoteConfidence", "quoteFound", "quoteVerified", "quoteMatch");

        public Merge {
            if (readConcurrency < 1) {
                throw new IllegalArgumentException("matter-pipeline.aggregator.merge.read-concurrency must be >= 1");
            }
            keyIgnoredFields = keyIgnoredFields == null ? List.of() : List.copyOf(keyIgnoredFields);
        }
    }
}
