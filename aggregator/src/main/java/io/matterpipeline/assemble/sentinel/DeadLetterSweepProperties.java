package io.matterpipeline.assemble.sentinel;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The dead-letter sweep, prefix {@code matter-pipeline.aggregator.dead-letter-sweep}.
 *
 * @param enabled whether the sweep runs (where the bus can list dead letters: Service Bus, Kafka, in memory)
 * @param interval how often the dead-letter queues of the documents, pages and results queues are looked at
 * @param batch dead letters looked at per queue and sweep
 * @param remembered dead letters remembered as already reported, so a sweep does not publish the same fact again
 */
@ConfigurationProperties("matter-pipeline.aggregator.dead-letter-sweep")
public record DeadLetterSweepProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("30s") Duration interval,
        @DefaultValue("500") int batch,
        @DefaultValue("100000") int remembered) {

    public DeadLetterSweepProperties {
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException(
                    "matter-pipeline.aggregator.dead-letter-sweep.interval must be positive");
        }
        if (batch < 1 || remembered < 1) {
            throw new IllegalArgumentException(
                    "matter-pipeline.aggregator.dead-letter-sweep.batch and .remembered must be >= 1");
        }
    }
}
