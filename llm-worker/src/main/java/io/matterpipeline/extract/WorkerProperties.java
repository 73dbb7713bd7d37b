package io.matterpipeline.extract;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration of the llm-worker, prefix {@code matter-pipeline.worker}.
 *
 * @param model the model server and the options pinned on every request
 * @param concurrency pages read at once by this worker; also the most model calls it has in flight
 * @param maxAttempts model calls per page for failures that may pass (busy, 5xx, timeout, unreachable, answer cut off
 *     at {@code num-predict}); once spent the page is reported failed
 * @param repairAttempts extra calls per attempt that show the model its invalid JSON and the validation errors
 * @param retry backoff between attempts of one page
 * @param contextChars characters of the previous page's tail and the next page's head shown to the model as context
 * @param charsPerToken characters per token assumed when estimating a prompt's size before sending it (low = cautious)
 * @param consumer how the pages queue is consumed (the queue names are {@code matter-pipeline.queues.*})
 */
@ConfigurationProperties("matter-pipeline.worker")
public record WorkerProperties(
        @DefaultValue Model model,
        @DefaultValue("4") int concurrency,
        @DefaultValue("3") int maxAttempts,
        @DefaultValue("2") int repairAttempts,
        @DefaultValue Retry retry,
        @DefaultValue("600") int contextChars,
        @DefaultValue("3.0") double charsPerToken,
        @DefaultValue Consumer consumer) {

    public WorkerProperties {
        if (concurrency < 1) {
            throw new IllegalArgumentException("matter-pipeline.worker.concurrency must be >= 1");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("matter-pipeline.worker.max-attempts must be >= 1");
        }
        if (repairAttempts < 0) {
            throw new IllegalArgumentException("matter-pipeline.worker.repair-attempts must be >= 0");
        }
        if (contextChars < 0) {
            throw new IllegalArgumentException("matter-pipeline.worker.context-chars must be >= 0");
        }
        if (!(charsPerToken > 0)) {
            throw new IllegalArgumentException("matter-pipeline.worker.chars-per-token must be > 0");
        }
    }

    /**
     * The model server.
     *
     * @param baseUrl the Ollama server
     * @param name the model to use, as the server names it
     * @param numCtx context window in tokens ({@code num_ctx}); identical on every worker sharing a server, or Ollama
     *     reloads the model
     * @param numPredict the most tokens of one answer ({@code num_predict}); an answer that hits it is a failed call
     * @param temperature sampling temperature; 0 for reproducible extraction
     * @param seed sampling seed, for reproducible runs
     * @param timeout the longest one model call may take
     * @param logRequests log model requests and responses (they contain document text: debugging only)
     */
    public record Model(
            @DefaultValue("http://localhost:11434") String baseUrl,
            @DefaultValue("llama3.1:8b") String name,
            @DefaultValue("8192") int numCtx,
            @DefaultValue("2048") int numPredict,
            @DefaultValue("0") double temperature,
            @DefaultValue("42") Integer seed,
            @DefaultValue("120s") Duration timeout,
            @DefaultValue("false") boolean logRequests) {
    }

    /**
     * Backoff between attempts of one page: exponential from {@code first} up to {@code max}, each delay varied by
     * up to {@code jitter} (0..1) so that workers hit by the same outage do not retry in lockstep.
     *
     * @param first the first delay
     * @param max the longest delay
     * @param jitter the share of each delay drawn at random
     */
    public record Retry(
            @DefaultValue("1s") Duration first,
            @DefaultValue("20s") Duration max,
            @DefaultValue("0.5") double jitter) {

        public Retry {
            if (!(jitter >= 0 && jitter <= 1)) {
                throw new IllegalArgumentException("matter-pipeline.worker.retry.jitter must be within 0..1");
            }
        }
    }

    /**
     * The pages queue consumer.
     *
     * @param prefetch deliveries buffered beyond demand
     * @param maxDeliveries the queue's max delivery count (must match the broker); a page whose handler keeps
     *     crashing is reported failed on the last one
     * @param redeliveryBackoff first delay before a crashed delivery is abandoned for redelivery; doubles each time
     * @param maxRedeliveryBackoff the longest such delay
     * @param shutdownGrace how long a stopping worker lets pages in flight finish
     */
    public record Consumer(
            @DefaultValue("0") int prefetch,
            @DefaultValue("10") int maxDeliveries,
            @DefaultValue("1s") Duration redeliveryBackoff,
            @DefaultValue("30s") Duration maxRedeliveryBackoff,
            @DefaultValue("30s") Duration shutdownGrace) {
    }
}
