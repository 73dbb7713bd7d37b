package io.matterpipeline.bus.servicebus;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.bus.DeadLetters;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.config.PipelineInfrastructureAutoConfiguration;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The adapter is chosen by {@code matter-pipeline.bus.type} and configured from its properties. */
class ServiceBusAutoConfigurationTests {

    private static final String CONNECTION_STRING =
            "Endpoint=sb://localhost:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true";

    @TempDir
    static Path blobRoot;

    // The infrastructure's blob store too: in a temporary directory, not the default ./data in the module.
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ServiceBusAutoConfiguration.class,
                    PipelineInfrastructureAutoConfiguration.class))
            .withPropertyValues("matter-pipeline.blob.filesystem.root=" + blobRoot);

    @Test
    void servicebusTypeProvidesTheServiceBusBusAsMessageBusAndDeadLetters() {
        runner.withPropertyValues("matter-pipeline.bus.type=servicebus",
                        "matter-pipeline.bus.servicebus.connection-string=" + CONNECTION_STRING,
                        "matter-pipeline.bus.servicebus.try-timeout=20s",
                        "matter-pipeline.bus.servicebus.lock-duration=45s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MessageBus.class)).isInstanceOf(ServiceBusMessageBus.class);
                    assertThat(context.getBean(DeadLetters.class)).isSameAs(context.getBean(MessageBus.class));
                    ServiceBusProperties properties = context.getBean(ServiceBusProperties.class);
                    assertThat(properties.tryTimeout()).isEqualTo(Duration.ofSeconds(20));
                    assertThat(properties.lockDuration()).isEqualTo(Duration.ofSeconds(45));
                    assertThat(properties.maxRetries()).isEqualTo(3);
                    assertThat(properties.toString()).doesNotContain("SharedAccessKey");
                });
    }

    @Test
    void theDefaultTypeKeepsTheInMemoryBus() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(MessageBus.class)).isInstanceOf(InMemoryMessageBus.class);
            assertThat(context).doesNotHaveBean(ServiceBusProperties.class);
        });
    }

    @Test
    void servicebusWithoutConnectionStringOrNamespaceFailsAtStartupSayingWhatIsMissing() {
        runner.withPropertyValues("matter-pipeline.bus.type=servicebus")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .rootCause().hasMessageContaining("matter-pipeline.bus.servicebus.connection-string"));
    }

    @Test
    void whatCannotBeAConnectionStringFailsAtStartupNamingTheSettingNotItsValue() {
        runner.withPropertyValues("matter-pipeline.bus.type=servicebus",
                        "matter-pipeline.bus.servicebus.connection-string=SharedAccessKeyName=k;SharedAccessKey=s3cret")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageStartingWith("matter-pipeline.bus.servicebus.connection-string is not a Service Bus "
                                + "connection string")
                        .message().doesNotContain("s3cret"));
        assertThat(ServiceBusProperties.ofConnectionString("Endpoint=sb://localhost:5672;SharedAccessKeyName=k;"
                + "SharedAccessKey=v;UseDevelopmentEmulator=true").connectionString()).startsWith("Endpoint=");
    }
}
