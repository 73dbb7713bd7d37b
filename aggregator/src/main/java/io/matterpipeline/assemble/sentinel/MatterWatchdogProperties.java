package io.matterpipeline.assemble.sentinel;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The aggregator's watchdog, prefix {@code matter-pipeline.aggregator.watchdog}.
 *
 * @param enabled whether the watchdog runs
 * @param interval how often the sealed, unfinished Matters are looked at
 * @param stallAfter how long a Matter whose pages all settled may go without a result before the watchdog finishes it
 *     (longer than the longest result assembly, so the watchdog never races a healthy one for long)
 * @param maxAttempts times the watchdog tries to finish a stalled Matter before it ends it FAILED
 *     ({@code result-missing}); an attempt that stops the process (out of memory) counts too
 * @param attemptTimeout how long one attempt may take
 * @param concurrency Matters looked at at once
 */
@ConfigurationProperties("matter-pipeline.aggregator.watchdog")
public record MatterWatchdogProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("1m") Duration interval,
        @DefaultValue("10m") Duration stallAfter,
        @DefaultValue("3") int maxAttempts,
        @DefaultValue("30m") Duration attemptTimeout,
        @DefaultValue("2") int concurrency) {

    public MatterWatchdogProperties {
        if (interval == null || interval.isNegative() || interval.isZero() || stallAfter == null || stallAfter.isNegative()
                || attemptTimeout == null || attemptTimeout.isNegative() || attemptTimeout.isZero()) {
            throw new IllegalArgumentException("matter-pipeline.aggregator.watchdog: interval and attempt-timeout "
                    + "must be positive, stall-after not negative");
        }
        if (maxAttempts < 1 || concurrency < 1) {
            throw new IllegalArgumentException(
                    "matter-pipeline.aggregator.watchdog.max-attempts and .concurrency must be >= 1");
        }
    }
}
