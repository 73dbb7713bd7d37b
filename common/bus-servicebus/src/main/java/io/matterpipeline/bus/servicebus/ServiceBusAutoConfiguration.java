package io.matterpipeline.bus.servicebus;

import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.config.ConditionalOnBusType;
import io.matterpipeline.config.PipelineProperties;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Provides the {@link MessageBus} (and {@link io.matterpipeline.bus.DeadLetters}) on Azure Service Bus when
 * {@code matter-pipeline.bus.type=servicebus}; settings under {@code matter-pipeline.bus.servicebus.*}
 * ({@link ServiceBusProperties}). Runs before the pipeline's default infrastructure so that its in-memory bus backs
 * off. The bus closes with the context, after the {@link io.matterpipeline.bus.QueueConsumer}s stopped and drained.
 */
@AutoConfiguration(beforeName = "io.matterpipeline.config.PipelineInfrastructureAutoConfiguration")
@ConditionalOnBusType(PipelineProperties.BusType.SERVICEBUS)
@EnableConfigurationProperties(ServiceBusProperties.class)
public final class ServiceBusAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(MessageBus.class)
    ServiceBusMessageBus serviceBusMessageBus(ServiceBusProperties properties) {
        return ServiceBusMessageBus.create(properties);
    }
}
