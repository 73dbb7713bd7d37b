package io.matterpipeline.testkit.servicebus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

class ServiceBusEmulatorCommandTests {

    @Test
    void flagsBecomeQueueOptions() {
        ServiceBusEmulatorCommand command = new ServiceBusEmulatorCommand();
        new CommandLine(command).parseArgs("--port", "5673", "--queues", "documents,pages,results",
                "--lock-duration", "30s", "--max-delivery-count", "5", "--duplicate-detection", "10m");

        ServiceBusEmulatorOptions options = command.options();

        assertThat(options.port()).isEqualTo(5673);
        assertThat(options.queues()).extracting(QueueOptions::name).containsExactly("documents", "pages", "results");
        assertThat(options.queues()).allSatisfy(queue -> {
            assertThat(queue.lockDuration()).isEqualTo(Duration.ofSeconds(30));
            assertThat(queue.maxDeliveryCount()).isEqualTo(5);
            assertThat(queue.duplicateDetectionWindow()).isEqualTo(Duration.ofMinutes(10));
        });
    }

    @Test
    void defaultsFollowServiceBus() {
        ServiceBusEmulatorCommand command = new ServiceBusEmulatorCommand();
        new CommandLine(command).parseArgs("--queues", "pages");

        ServiceBusEmulatorOptions options = command.options();

        assertThat(options.port()).isEqualTo(5672);
        assertThat(options.maxMessageSize()).isEqualTo(ServiceBusEmulatorOptions.STANDARD_MAX_MESSAGE_SIZE);
        QueueOptions queue = options.queues().get(0);
        assertThat(queue.lockDuration()).isEqualTo(Duration.ofSeconds(60));
        assertThat(queue.maxDeliveryCount()).isEqualTo(10);
        assertThat(queue.duplicateDetectionWindow()).isZero();
    }

    @Test
    void durationsAcceptShortAndIsoForms() {
        ServiceBusEmulatorCommand.DurationConverter converter = new ServiceBusEmulatorCommand.DurationConverter();

        assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(converter.convert("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(converter.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(converter.convert("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(converter.convert("PT45S")).isEqualTo(Duration.ofSeconds(45));
        assertThatThrownBy(() -> converter.convert("soon")).isInstanceOf(TypeConversionException.class);
    }
}
