package io.matterpipeline.metering;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.config.PipelineInfrastructureAutoConfiguration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;

/**
 * With {@code matter-pipeline.metering.enabled=true}: a {@link PortCounter} bean, and every {@link BlobStore} and
 * {@link MessageBus} bean of the context (whichever adapter provides it) wrapped so that it counts into that counter.
 * Off by default: the wrapped beans are no longer of their adapter's concrete type.
 */
@AutoConfiguration(after = PipelineInfrastructureAutoConfiguration.class)
@ConditionalOnBooleanProperty("matter-pipeline.metering.enabled")
public class PortMeteringAutoConfiguration {

    /** The counter the ports count into. */
    @Bean
    public static PortCounter pipelinePortCounter() {
        return new PortCounter();
    }

    /** Wraps the ports as they are created, before any service receives them. */
    @Bean
    public static BeanPostProcessor pipelinePortMetering(ObjectProvider<PortCounter> counter) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof BlobStore store && !(bean instanceof CountingBlobStore)) {
                    return counter.getObject().count(store);
                }
                if (bean instanceof MessageBus bus && !(bean instanceof CountingMessageBus)) {
                    return counter.getObject().count(bus);
                }
                return bean;
            }
        };
    }
}
