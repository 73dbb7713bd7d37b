package io.matterpipeline.telemetry.azure;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.Optional;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Sends the application's Micrometer meters to Application Insights when the agent is attached.
 *
 * <p>The 3.7.x agent puts its {@code AzureMonitorMeterRegistry} into Micrometer's global registry only, and bridges
 * Spring Boot's registry by adding an auto-configuration named after Boot 2/3's
 * {@code org.springframework.boot.actuate.autoconfigure.metrics} classes, which Boot 4 no longer has. So under Boot 4
 * the meters registered on the context's {@link MeterRegistry} (every {@code matterpipeline.*} meter) reached
 * Prometheus and never the agent. This does what the agent's bridge did for Boot 2/3: the agent's registry becomes a
 * {@link MeterRegistry} bean, so Boot's composite (the registry every service injects) holds it beside Prometheus.
 * Application Insights names a meter in snake case ({@code matterpipeline.pages} becomes
 * {@code matterpipeline_pages} in {@code customMetrics}) and exports every
 * {@code APPLICATIONINSIGHTS_METRIC_INTERVAL_SECONDS} (60 s by default).
 */
@AutoConfiguration(
        afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        beforeName = {
            "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
            "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"
        })
@ConditionalOnClass(MeterRegistry.class)
@Conditional(AzureMonitorMetricsAutoConfiguration.AgentAttached.class)
public class AzureMonitorMetricsAutoConfiguration {

    /** The class the agent injects as its Micrometer registry. */
    static final String AGENT_REGISTRY = "io.opentelemetry.javaagent.instrumentation.micrometer.ai.AzureMonitorMeterRegistry";

    /** The agent's registry, as one of the context's registries. */
    @Bean
    MeterRegistry azureMonitorMeterRegistry() {
        return agentRegistry().orElseThrow();
    }

    /** The agent's registry among Micrometer's global ones, if the agent is attached with Micrometer enabled. */
    static Optional<MeterRegistry> agentRegistry() {
        return Metrics.globalRegistry.getRegistries().stream()
                .filter(registry -> AGENT_REGISTRY.equals(registry.getClass().getName()))
                .findFirst();
    }

    static final class AgentAttached implements Condition {

        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return agentRegistry().isPresent();
        }
    }
}
