package io.matterpipeline.telemetry;

import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.RawQueueConsumer;
import io.matterpipeline.config.PipelineInfrastructureAutoConfiguration;
import io.matterpipeline.config.PipelineProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Telemetry of every service: each {@link QueueConsumer} and {@link RawQueueConsumer} bean reports through the
 * {@link ConsumerTelemetry} (spans continuing each message's trace, log context, consumer metrics), and the
 * {@code bus} readiness check. Spans go to the {@link OpenTelemetry} bean if there is one, else to
 * {@link GlobalOpenTelemetry} — the Azure Monitor agent's when it is attached, a no-op otherwise; metrics go to the
 * context's {@link MeterRegistry} (Prometheus, and the agent, which reads Micrometer).
 */
@AutoConfiguration(after = PipelineInfrastructureAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
public class TelemetryAutoConfiguration {

    /** The telemetry of the consumers. */
    @Bean
    @ConditionalOnMissingBean
    public ConsumerTelemetry pipelineConsumerTelemetry(ObjectProvider<MeterRegistry> meters,
            ObjectProvider<OpenTelemetry> openTelemetry) {
        PropagatedThreadLocals.configure();
        return ConsumerTelemetry.of(meters.getIfAvailable(() -> Metrics.globalRegistry),
                openTelemetry.getIfAvailable(GlobalOpenTelemetry::get));
    }

    /** Installs the telemetry on every consumer bean before it starts. */
    @Bean
    public static BeanPostProcessor pipelineConsumerObservation(ObjectProvider<ConsumerTelemetry> telemetry) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof QueueConsumer consumer) {
                    consumer.observeWith(telemetry.getObject());
                } else if (bean instanceof RawQueueConsumer consumer) {
                    consumer.observeWith(telemetry.getObject());
                }
                return bean;
            }
        };
    }

    /** The {@code bus} health contributor, part of the readiness group. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.ReactiveHealthIndicator")
    static class BusHealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "busHealthIndicator")
        BusHealthIndicator busHealthIndicator(MessageBus bus, PipelineProperties properties) {
            return new BusHealthIndicator(bus, properties.queues().results());
        }
    }
}
