package io.matterpipeline.assemble;

import io.matterpipeline.assemble.sentinel.DeadLetterSweep;
import io.matterpipeline.assemble.sentinel.DeadLetterSweepProperties;
import io.matterpipeline.assemble.sentinel.MatterWatchdog;
import io.matterpipeline.assemble.sentinel.MatterWatchdogProperties;
import io.matterpipeline.assemble.sentinel.WatchList;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.DeadLetters;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.memory.InMemoryDeadLetters;
import io.matterpipeline.config.PipelineProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Every bean of the aggregator, declared explicitly so the standalone module can import this configuration next to
 * the other services'. Needs a {@link MessageBus} and a {@link BlobStore} bean (common's auto-configuration provides
 * them). Bean names start with {@code aggregator}; properties live under {@code matter-pipeline.aggregator}, queue
 * names under {@code matter-pipeline.queues}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({AggregatorProperties.class, DeadLetterSweepProperties.class,
        MatterWatchdogProperties.class, PipelineProperties.class})
public class AggregatorConfiguration {

    /** The results-queue handler that records progress and writes document and Matter results. */
    @Bean
    public MatterAssembler aggregatorMatterAssembler(BlobStore blobStore, MessageBus messageBus,
            PipelineProperties pipeline, AggregatorProperties properties) {
        return new MatterAssembler(blobStore, messageBus, pipeline.queues().mattersCompleted(), properties,
                Clock.systemUTC());
    }

    /** Consumes the results queue; started and stopped by the application context. */
    @Bean
    public QueueConsumer aggregatorQueueConsumer(MessageBus messageBus, PipelineProperties pipeline,
            AggregatorProperties properties, MatterAssembler aggregatorMatterAssembler) {
        return new QueueConsumer(messageBus, pipeline.queues().results(), properties.consumerSettings(),
                aggregatorMatterAssembler);
    }

    /**
     * Publishes PageFailed / DocumentFailed for work the broker dead-lettered without a handler reporting it (a worker
     * killed on it every time), and fails what a fact dead-lettered on the results queue would have settled, so the
     * Matter still finishes. Runs where the bus lists dead letters: Service Bus, Kafka, and the in-memory bus (listed
     * through {@link InMemoryDeadLetters}).
     */
    @Bean
    public DeadLetterSweep aggregatorDeadLetterSweep(ObjectProvider<DeadLetters> deadLetters, MessageBus messageBus,
            PipelineProperties pipeline, DeadLetterSweepProperties properties,
            MatterAssembler aggregatorMatterAssembler) {
        return new DeadLetterSweep(deadLetters.getIfAvailable(() -> InMemoryDeadLetters.of(messageBus)), messageBus,
                List.of(pipeline.queues().documents(), pipeline.queues().pages(), pipeline.queues().results()),
                pipeline.queues().results(), aggregatorMatterAssembler.lostFacts(), properties.deadLetterSweep());
    }

    /**
     * Finishes or fails a sealed Matter whose pages all settled but whose result is still missing after
     * {@code matter-pipeline.aggregator.watchdog.stall-after}; logs and counts what it does.
     */
    @Bean
    public MatterWatchdog aggregatorMatterWatchdog(BlobStore blobStore, MatterAssembler aggregatorMatterAssembler,
            MatterWatchdogProperties properties, ObjectProvider<MeterRegistry> registry) {
        return new MatterWatchdog(new WatchList(blobStore), aggregatorMatterAssembler, properties, Clock.systemUTC(),
                registry.getIfAvailable());
    }
}
