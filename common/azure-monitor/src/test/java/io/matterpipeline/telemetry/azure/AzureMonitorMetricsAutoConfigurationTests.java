package io.matterpipeline.telemetry.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.javaagent.instrumentation.micrometer.ai.AzureMonitorMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class AzureMonitorMetricsAutoConfigurationTests {

    private final AzureMonitorMeterRegistry agent = new AzureMonitorMeterRegistry();
    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
                    CompositeMeterRegistryAutoConfiguration.class, AzureMonitorMetricsAutoConfiguration.class))
            .withBean("prometheusLike", SimpleMeterRegistry.class, SimpleMeterRegistry::new);

    @AfterEach
    void detachTheAgent() {
        Metrics.removeRegistry(agent);
    }

    @Test
    void withoutTheAgentTheContextsRegistryIsItsOwn() {
        contexts.run(context -> {
            assertThat(context).doesNotHaveBean(AzureMonitorMeterRegistry.class);
            assertThat(context.getBean(MeterRegistry.class)).isInstanceOf(SimpleMeterRegistry.class);
        });
    }

    @Test
    void aMeterOfTheContextReachesTheAgentsRegistry() {
        Metrics.addRegistry(agent);
        contexts.run(context -> {
            context.getBean(MeterRegistry.class).counter("matterpipeline.pages", "outcome", "extracted").increment();
            assertThat(agent.find("matterpipeline.pages").tag("outcome", "extracted").counter())
                    .isNotNull().satisfies(counter -> assertThat(counter.count()).isEqualTo(1.0));
            assertThat(context.getBean("prometheusLike", MeterRegistry.class).find("matterpipeline.pages").counter())
                    .isNotNull();
        });
    }
}
