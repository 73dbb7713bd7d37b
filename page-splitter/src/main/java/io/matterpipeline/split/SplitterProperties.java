package io.matterpipeline.split;

import io.matterpipeline.bus.ConsumerProperties;
import io.matterpipeline.bus.ConsumerSettings;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the page-splitter, prefix {@code matter-pipeline.splitter}.
 *
 * @param concurrency documents one instance splits at once
 * @param pageWriteConcurrency page blobs written at once while splitting one document
 * @param maxTextPageChars the longest page cut from plain text, in characters; longer text is broken at a line break
 *     or whitespace before the limit (a form feed always ends a page)
 * @param contextChars characters of the previous page's end and the next page's start stored with each page as
 *     context for the model
 * @param lowConfidenceThreshold OCR words below this confidence count as low-confidence
 * @param maxDocumentSize the largest document accepted; a larger one fails with {@code document-too-large}
 * @param maxPages the most pages a document may have (or, for a PDF, declare); more fails with {@code too-many-pages}
 * @param maxPageTextChars the most characters of text one page may yield; more fails with {@code page-text-too-large}
 * @param maxJsonNestingDepth the deepest nesting accepted in JSON input; deeper fails with {@code json-limits-exceeded}
 * @param pageTaskBatchSize PageTasks published per batch at most; a document's first batches are smaller (16, then
 *     doubling), so its first pages reach the workers while the rest are still being written
 * @param tempDirectory where documents are copied while being split; a {@code matter-pipeline-splitter} folder in the
 *     JVM's temp directory when unset
 * @param consumer how the documents queue is consumed ({@link ConsumerProperties}, shared by every consumer)
 */
@ConfigurationProperties("matter-pipeline.splitter")
public record SplitterProperties(
        @DefaultValue("2") int concurrency,
        @DefaultValue("8") int pageWriteConcurrency,
        @DefaultValue("4000") int maxTextPageChars,
        @DefaultValue("300") int contextChars,
        @DefaultValue("0.8") double lowConfidenceThreshold,
        @DefaultValue("256MB") DataSize maxDocumentSize,
        @DefaultValue("10000") int maxPages,
        @DefaultValue("1000000") int maxPageTextChars,
        @DefaultValue("64") int maxJsonNestingDepth,
        @DefaultValue("100") int pageTaskBatchSize,
        Path tempDirectory,
        @DefaultValue @NestedConfigurationProperty ConsumerProperties consumer) {

    public SplitterProperties {
        requirePositive("concurrency", concurrency);
        requirePositive("page-write-concurrency", pageWriteConcurrency);
        requirePositive("max-pages", maxPages);
        requirePositive("page-task-batch-size", pageTaskBatchSize);
        requirePositive("max-json-nesting-depth", maxJsonNestingDepth);
        if (maxTextPageChars < 100 || maxTextPageChars > maxPageTextChars) {
            throw new IllegalArgumentException("matter-pipeline.splitter.max-text-page-chars must be between 100 and"
                    + " max-page-text-chars (" + maxPageTextChars + ")");
        }
        if (contextChars < 0) {
            throw new IllegalArgumentException("matter-pipeline.splitter.context-chars must be >= 0");
        }
        if (lowConfidenceThreshold < 0 || lowConfidenceThreshold > 1) {
            throw new IllegalArgumentException("matter-pipeline.splitter.low-confidence-threshold must be in 0..1");
        }
        consumer = consumer != null ? consumer : ConsumerProperties.defaults();
        if (maxDocumentSize == null || maxDocumentSize.toBytes() <= 0) {
            throw new IllegalArgumentException("matter-pipeline.splitter.max-document-size must be positive");
        }
    }

    /** The defaults, as Spring binds them with no properties set. */
    public static SplitterProperties defaults() {
        return new SplitterProperties(2, 8, 4000, 300, 0.8, DataSize.ofMegabytes(256), 10_000, 1_000_000, 64, 100, null,
                null);
    }

    /** The settings of the documents queue's consumer. */
    public ConsumerSettings consumerSettings() {
        return consumer.toSettings(concurrency);
    }

    /** The temp directory in use: {@link #tempDirectory()} or the default under {@code java.io.tmpdir}. */
    public Path effectiveTempDirectory() {
        return tempDirectory != null ? tempDirectory
                : Path.of(System.getProperty("java.io.tmpdir"), "matter-pipeline-splitter");
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("matter-pipeline.splitter." + name + " must be >= 1");
        }
    }
}
