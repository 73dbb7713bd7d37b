package io.matterpipeline.testkit.servicebus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import com.azure.messaging.servicebus.ServiceBusMessage;
import com.azure.messaging.servicebus.ServiceBusReceivedMessage;
import com.azure.messaging.servicebus.ServiceBusReceiverClient;
import com.azure.messaging.servicebus.ServiceBusSenderClient;
import io.matterpipeline.testkit.net.LoopbackPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A restarted emulator keeps its messages, and SDK clients built before the restart reconnect on their own. */
@Timeout(90)
class ServiceBusEmulatorRestartTests {

    private ServiceBusEmulator emulator;

    @BeforeEach
    void start() {
        QuietLogs.apply();
        emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults().withQueues("pages"));
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    @Test
    void clientsReconnectAfterRestartAndMessagesSurvive() {
        try (ServiceBusSenderClient sender = SdkClients.builder(emulator).sender().queueName("pages").buildClient();
             ServiceBusReceiverClient receiver = SdkClients.builder(emulator).receiver().queueName("pages")
                     .buildClient()) {
            sender.sendMessage(new ServiceBusMessage("before"));
            sender.sendMessage(new ServiceBusMessage("kept"));
            receiver.complete(receiveOne(receiver));
            int port = emulator.port();

            emulator.restart();

            assertThat(emulator.port()).isEqualTo(port);
            // Outside the range the OS gives outgoing connections, which could take it while the emulator is down.
            assertThat(LoopbackPorts.isEphemeral(port)).isFalse();
            sender.sendMessage(new ServiceBusMessage("after"));
            ServiceBusReceivedMessage kept = receiveOne(receiver);
            receiver.complete(kept);
            ServiceBusReceivedMessage after = receiveOne(receiver);
            receiver.complete(after);

            assertThat(kept.getBody().toString()).isEqualTo("kept");
            assertThat(after.getBody().toString()).isEqualTo("after");
            assertThat(emulator.activeMessageCount("pages")).isZero();
        }
    }

    private static ServiceBusReceivedMessage receiveOne(ServiceBusReceiverClient receiver) {
        List<ServiceBusReceivedMessage> received = receiver.receiveMessages(1, Duration.ofSeconds(30)).stream()
                .toList();
        assertThat(received).hasSize(1);
        return received.get(0);
    }
}
