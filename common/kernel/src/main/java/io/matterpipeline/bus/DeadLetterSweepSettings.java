package io.matterpipeline.bus;

import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A service's sweep of its queues' dead letters.
 *
 * @param enabled whether the sweep runs (where the bus can list dead letters: Service Bus, Kafka, in memory)
 * @param interval how often the dead-letter queues are looked at
 * @param batch dead letters looked at per queue and sweep
 * @param remembered dead letters remembered as already handled, so that a sweep does not handle one again
 */
public record DeadLetterSweepSettings(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("30s") Duration interval,
        @DefaultValue("500") int batch,
        @DefaultValue("100000") int remembered) {

    public DeadLetterSweepSettings {
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("A dead-letter sweep's interval must be positive, got " + interval);
        }
        if (batch < 1 || remembered < 1) {
            throw new IllegalArgumentException("A dead-letter sweep's batch and remembered must be >= 1, got " + batch
                    + " and " + remembered);
        }
    }

    /** The defaults, for code that runs without Spring binding (tests, tools). */
    public static DeadLetterSweepSettings defaults() {
        return new DeadLetterSweepSettings(true, Duration.ofSeconds(30), 500, 100_000);
    }
}
