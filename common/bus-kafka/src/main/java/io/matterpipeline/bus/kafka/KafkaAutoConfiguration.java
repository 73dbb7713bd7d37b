package io.matterpipeline.bus.kafka;

import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.config.ConditionalOnBusType;
import io.matterpipeline.config.PipelineProperties;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Provides the {@link MessageBus} (and {@link io.matterpipeline.bus.DeadLetters}) on Kafka when
 * {@code matter-pipeline.bus.type=kafka}; settings under {@code matter-pipeline.bus.kafka.*}
 * ({@link KafkaBusProperties}). Runs before the pipeline's default infrastructure so that its in-memory bus backs
 * off. The bus closes with the context, after the {@link io.matterpipeline.bus.QueueConsumer}s stopped and drained.
 */
@AutoConfiguration(beforeName = "io.matterpipeline.config.PipelineInfrastructureAutoConfiguration")
@ConditionalOnBusType(PipelineProperties.BusType.KAFKA)
@EnableConfigurationProperties(KafkaBusProperties.class)
public final class KafkaAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(MessageBus.class)
    KafkaMessageBus kafkaMessageBus(KafkaBusProperties properties) {
        return KafkaMessageBus.create(properties);
    }
}
