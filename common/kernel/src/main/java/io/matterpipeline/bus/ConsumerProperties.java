package io.matterpipeline.bus;

import io.matterpipeline.config.PropertyDefaults;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationPropertiesSource;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a service consumes one queue, bound as {@code matter-pipeline.<service>.consumer.*} by every consumer
 * ({@code splitter.consumer}, {@code worker.consumer}, {@code aggregator.consumer}, {@code ingest.trigger.consumer},
 * {@code ingest.requests.consumer}). How many deliveries run at once is the service's own {@code concurrency}, since
 * it is also the size of its work pool; {@link #toSettings(int)} joins the two.
 *
 * <p>The defaults are the {@link DefaultValue} annotations below and nowhere else: {@link #defaults()} binds them
 * ({@link PropertyDefaults}), so code that builds a consumer without Spring gets the same values as a bound one.
 *
 * @param prefetch deliveries the bus adapter may buffer beyond demand; keep it small, since a buffered message's lock
 *     is not renewed until a handler takes it
 * @param maxDeliveries the queue's max delivery count, which must equal the broker's (Service Bus MaxDeliveryCount,
 *     {@code matter-pipeline.bus.in-memory.max-delivery-count}); a failure on the last delivery gives up: the handler
 *     publishes the failure and the message is dead-lettered
 * @param retryBackoff the first delay before a failed message is abandoned for redelivery; doubles per delivery
 * @param maxRetryBackoff the longest delay before a failed message is abandoned for redelivery
 * @param shutdownGrace how long a stopping consumer lets in-flight deliveries finish before it abandons them
 */
@ConfigurationPropertiesSource
public record ConsumerProperties(
        @DefaultValue("0") int prefetch,
        @DefaultValue("10") int maxDeliveries,
        @DefaultValue("200ms") Duration retryBackoff,
        @DefaultValue("10s") Duration maxRetryBackoff,
        @DefaultValue("30s") Duration shutdownGrace) {

    private static final ConsumerProperties DEFAULTS = PropertyDefaults.of(ConsumerProperties.class);

    public ConsumerProperties {
        if (prefetch < 0) {
            throw new IllegalArgumentException("consumer.prefetch must be >= 0");
        }
        if (maxDeliveries < 1) {
            throw new IllegalArgumentException("consumer.max-deliveries must be >= 1");
        }
        if (retryBackoff == null || retryBackoff.isNegative() || maxRetryBackoff == null
                || maxRetryBackoff.compareTo(retryBackoff) < 0) {
            throw new IllegalArgumentException("consumer: need 0 <= retry-backoff <= max-retry-backoff");
        }
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("consumer.shutdown-grace must be >= 0");
        }
    }

    /** The defaults, as Spring binds them with no properties set. */
    public static ConsumerProperties defaults() {
        return DEFAULTS;
    }

    /** The settings of a consumer that handles {@code concurrency} deliveries at once. */
    public ConsumerSettings toSettings(int concurrency) {
        return new ConsumerSettings(concurrency, prefetch, maxDeliveries, retryBackoff, maxRetryBackoff, shutdownGrace);
    }
}
