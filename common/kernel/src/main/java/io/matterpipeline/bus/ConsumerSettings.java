package io.matterpipeline.bus;

import java.time.Duration;

/**
 * How a {@link QueueConsumer} or {@link RawQueueConsumer} runs: a service's concurrency joined with its bound
 * {@link ConsumerProperties}.
 *
 * @param concurrency deliveries handled at once
 * @param prefetch deliveries the adapter may buffer beyond demand
 * @param maxDeliveries the queue's max delivery count (must match the broker's setting); a failure on the last
 *     delivery gives up: the failure is published and the message dead-lettered
 * @param retryBackoff the first delay before a failed message is abandoned for redelivery; doubles per attempt
 * @param maxRetryBackoff the longest such delay
 * @param shutdownGrace how long a stopping consumer lets in-flight deliveries finish before it abandons them
 */
public record ConsumerSettings(
        int concurrency,
        int prefetch,
        int maxDeliveries,
        Duration retryBackoff,
        Duration maxRetryBackoff,
        Duration shutdownGrace) {

    public ConsumerSettings {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be >= 1");
        }
        if (maxDeliveries < 1) {
            throw new IllegalArgumentException("maxDeliveries must be >= 1");
        }
    }

    /** The {@link ConsumerProperties#defaults() defaults} with the given concurrency. */
    public static ConsumerSettings of(int concurrency) {
        return ConsumerProperties.defaults().toSettings(concurrency);
    }

    public ConsumerSettings withMaxDeliveries(int maxDeliveries) {
        return new ConsumerSettings(concurrency, prefetch, maxDeliveries, retryBackoff, maxRetryBackoff, shutdownGrace);
    }

    public ConsumerSettings withRetryBackoff(Duration first, Duration max) {
        return new ConsumerSettings(concurrency, prefetch, maxDeliveries, first, max, shutdownGrace);
    }
}
