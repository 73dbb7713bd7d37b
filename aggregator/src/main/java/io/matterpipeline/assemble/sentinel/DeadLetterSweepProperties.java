package io.matterpipeline.assemble.sentinel;

import io.matterpipeline.bus.DeadLetterSweepSettings;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The aggregator's dead-letter sweep, prefix {@code matter-pipeline.aggregator.dead-letter-sweep}: the same settings as
 * every service's sweep ({@code enabled}, {@code interval}, {@code batch}, {@code remembered}).
 *
 * @param deadLetterSweep the sweep of the documents, pages and results queues' dead letters
 */
@ConfigurationProperties("matter-pipeline.aggregator")
public record DeadLetterSweepProperties(@DefaultValue DeadLetterSweepSettings deadLetterSweep) {
}
