package io.matterpipeline.testkit.servicebus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import com.azure.core.amqp.AmqpRetryOptions;
import com.azure.messaging.servicebus.ServiceBusClientBuilder;
import com.azure.messaging.servicebus.ServiceBusMessage;
import com.azure.messaging.servicebus.ServiceBusReceivedMessage;
import com.azure.messaging.servicebus.ServiceBusReceiverClient;
import com.azure.messaging.servicebus.ServiceBusSenderClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The real Azure Service Bus Java SDK against the emulator. */
@Timeout(60)
class ServiceBusEmulatorSdkTests {

    private static ServiceBusEmulator emulator;

    @BeforeAll
    static void start() {
        QuietLogs.apply();
        emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueues("basic"));
    }

    @AfterAll
    static void stop() {
        if (emulator != null) {
            emulator.close();
        }
    }

    private static ServiceBusClientBuilder builder() {
        return new ServiceBusClientBuilder().connectionString(emulator.connectionString())
                .retryOptions(new AmqpRetryOptions().setTryTimeout(Duration.ofSeconds(10)).setMaxRetries(2)
                        .setDelay(Duration.ofMillis(100)).setMaxDelay(Duration.ofSeconds(1)));
    }

    @Test
    void sendReceiveComplete() {
        try (ServiceBusSenderClient sender = builder().sender().queueName("basic").buildClient();
             ServiceBusReceiverClient receiver = builder().receiver().queueName("basic").buildClient()) {
            ServiceBusMessage sent = new ServiceBusMessage("hello").setMessageId("m-1");
            sent.getApplicationProperties().put("matter", "M-7");
            sender.sendMessage(sent);

            List<ServiceBusReceivedMessage> received = receiver.receiveMessages(1, Duration.ofSeconds(10)).stream().toList();

            assertThat(received).hasSize(1);
            ServiceBusReceivedMessage message = received.get(0);
            assertThat(message.getBody().toString()).isEqualTo("hello");
            assertThat(message.getMessageId()).isEqualTo("m-1");
            assertThat(message.getApplicationProperties()).containsEntry("matter", "M-7");
            assertThat(message.getDeliveryCount()).isZero();
            assertThat(message.getSequenceNumber()).isPositive();
            receiver.complete(message);
            assertThat(emulator.activeMessageCount("basic")).isZero();
        }
    }
}
