package io.matterpipeline.testkit.servicebus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.azure.messaging.servicebus.ServiceBusMessage;
import com.azure.messaging.servicebus.ServiceBusReceivedMessage;
import com.azure.messaging.servicebus.ServiceBusReceiverClient;
import com.azure.messaging.servicebus.ServiceBusSenderClient;
import com.azure.messaging.servicebus.models.DeadLetterOptions;
import com.azure.messaging.servicebus.models.SubQueue;
import io.matterpipeline.testkit.TestkitCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code testkit servicebus --data-dir}: the emulator process killed with SIGKILL and started again on the same port
 * and directory has every message it acknowledged — active, deferred-by-abandon delivery counts, dead letters with
 * their reasons, scheduled messages and duplicate-detection ids — and what was locked is delivered again, that
 * delivery counted.
 */
@Timeout(180)
class ServiceBusEmulatorDurabilityTests {

    @TempDir
    Path dataDirectory;

    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void quiet() {
        QuietLogs.apply();
    }

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void aKilledEmulatorRestartedOnItsDataDirectoryKeepsEveryAcknowledgedMessage() throws Exception {
        int port = freePortOutsideTheEphemeralRange();
        String connectionString = startEmulator(port);
        try (ServiceBusSenderClient sender = SdkClients.builder(connectionString).sender().queueName("pages")
                .buildClient();
             ServiceBusReceiverClient receiver = SdkClients.builder(connectionString).receiver().queueName("pages")
                     .disableAutoComplete().buildClient()) {
            for (int i = 1; i <= 5; i++) {
                sender.sendMessage(message("m" + i));
            }
            sender.sendMessage(message("m1")); // a duplicate inside the window: dropped
            sender.scheduleMessage(message("later"), OffsetDateTime.now().plusHours(1));

            receiver.complete(receiveOne(receiver, "m1"));
            receiver.deadLetter(receiveOne(receiver, "m2"), new DeadLetterOptions()
                    .setDeadLetterReason("poison-page").setDeadLetterErrorDescription("page 2 cannot be read"));
            receiver.abandon(receiveOne(receiver, "m3"));
            receiveOne(receiver, "m3"); // locked again (delivery count 1) when the process dies
            receiveOne(receiver, "m4"); // locked when the process dies
        }

        Process killed = processes.get(0);
        killed.destroyForcibly(); // SIGKILL: no shutdown hook, no journal close
        assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();

        String restarted = startEmulator(port);
        assertThat(restarted).isEqualTo(connectionString);
        try (ServiceBusSenderClient sender = SdkClients.builder(restarted).sender().queueName("pages").buildClient();
             ServiceBusReceiverClient receiver = SdkClients.builder(restarted).receiver().queueName("pages")
                     .disableAutoComplete().buildClient();
             ServiceBusReceiverClient deadLetters = SdkClients.builder(restarted).receiver().queueName("pages")
                     .subQueue(SubQueue.DEAD_LETTER_QUEUE).disableAutoComplete().buildClient()) {
            sender.sendMessage(message("m5")); // still a duplicate after the restart: dropped

            Map<String, Long> deliveryCounts = new java.util.TreeMap<>();
            for (ServiceBusReceivedMessage received : receiveAll(receiver, 3)) {
                deliveryCounts.put(received.getMessageId(), received.getDeliveryCount());
                receiver.complete(received);
            }
            // m3 was abandoned once, then delivered again and its lock died with the process; m4's lock died too:
            // those deliveries count, as an expired lock's would have (else a message in flight at every restart
            // would never reach the max delivery count); m5 was never received.
            assertThat(deliveryCounts).containsExactly(Map.entry("m3", 2L), Map.entry("m4", 1L), Map.entry("m5", 0L));

            ServiceBusReceivedMessage dead = receiveOne(deadLetters, "m2");
            assertThat(dead.getDeadLetterReason()).isEqualTo("poison-page");
            assertThat(dead.getDeadLetterErrorDescription()).isEqualTo("page 2 cannot be read");
            assertThat(dead.getBody().toString()).isEqualTo("body of m2");
            deadLetters.complete(dead);

            List<ServiceBusReceivedMessage> left = receiver.peekMessages(10).stream().toList();
            assertThat(left).extracting(ServiceBusReceivedMessage::getMessageId).containsExactly("later");
            assertThat(receiver.receiveMessages(1, Duration.ofSeconds(2)).stream().count())
                    .as("nothing else, and nothing twice").isZero();
        }
    }

    @Test
    void aClosedEmulatorStartedAgainOnItsDataDirectoryKeepsItsMessages() {
        ServiceBusEmulatorOptions options = ServiceBusEmulatorOptions.defaults().withQueues("pages")
                .withDataDirectory(dataDirectory);
        try (ServiceBusEmulator first = ServiceBusEmulator.start(options);
             ServiceBusSenderClient sender = SdkClients.builder(first).sender().queueName("pages").buildClient()) {
            sender.sendMessage(message("kept"));
        }
        try (ServiceBusEmulator second = ServiceBusEmulator.start(options);
             ServiceBusReceiverClient receiver = SdkClients.builder(second).receiver().queueName("pages")
                     .disableAutoComplete().buildClient()) {
            assertThat(second.activeMessageCount("pages")).isEqualTo(1);
            receiver.complete(receiveOne(receiver, "kept"));
        }
        try (ServiceBusEmulator third = ServiceBusEmulator.start(options)) {
            assertThat(third.activeMessageCount("pages")).as("the completion was journaled too").isZero();
        }
    }

    @Test
    void aMessageInFlightAtEveryRestartStillReachesTheMaxDeliveryCount() {
        ServiceBusEmulatorOptions options = ServiceBusEmulatorOptions.defaults()
                .withQueue(QueueOptions.named("pages").withMaxDeliveryCount(2))
                .withDataDirectory(dataDirectory);
        try (ServiceBusEmulator first = ServiceBusEmulator.start(options);
             ServiceBusSenderClient sender = SdkClients.builder(first).sender().queueName("pages").buildClient()) {
            sender.sendMessage(message("crashes-everything"));
        }
        // Twice, the emulator stops while the message is locked: each of those deliveries counts.
        for (long delivered = 0; delivered < 2; delivered++) {
            try (ServiceBusEmulator running = ServiceBusEmulator.start(options);
                 ServiceBusReceiverClient receiver = SdkClients.builder(running).receiver().queueName("pages")
                         .disableAutoComplete().buildClient()) {
                assertThat(receiveOne(receiver, "crashes-everything").getDeliveryCount()).isEqualTo(delivered);
            }
        }
        try (ServiceBusEmulator last = ServiceBusEmulator.start(options);
             ServiceBusReceiverClient deadLetters = SdkClients.builder(last).receiver().queueName("pages")
                     .subQueue(SubQueue.DEAD_LETTER_QUEUE).disableAutoComplete().buildClient()) {
            ServiceBusReceivedMessage dead = receiveOne(deadLetters, "crashes-everything");
            assertThat(dead.getDeadLetterReason()).isEqualTo("MaxDeliveryCountExceeded");
            assertThat(last.activeMessageCount("pages")).isZero();
        }
    }

    // --- helpers

    private static ServiceBusMessage message(String id) {
        return new ServiceBusMessage("body of " + id).setMessageId(id);
    }

    private static ServiceBusReceivedMessage receiveOne(ServiceBusReceiverClient receiver, String expectedId) {
        List<ServiceBusReceivedMessage> received = receiveAll(receiver, 1);
        assertThat(received).extracting(ServiceBusReceivedMessage::getMessageId).containsExactly(expectedId);
        return received.get(0);
    }

    /** Receives until {@code count} messages arrived (bounded in time), in order. */
    private static List<ServiceBusReceivedMessage> receiveAll(ServiceBusReceiverClient receiver, int count) {
        List<ServiceBusReceivedMessage> received = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (received.size() < count && System.nanoTime() < deadline) {
            receiver.receiveMessages(count - received.size(), Duration.ofSeconds(5)).forEach(received::add);
        }
        return received;
    }

    /** Starts {@code testkit servicebus} as its own process and waits for the connection string it prints. */
    private String startEmulator(int port) throws IOException {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), TestkitCommand.class.getName(),
                "servicebus", "--port", String.valueOf(port), "--queues", "pages", "--max-delivery-count", "10",
                "--duplicate-detection", "10m", "--data-dir", dataDirectory.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        processes.add(process);
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        String line;
        while ((line = output.readLine()) != null) {
            if (line.startsWith("Endpoint=")) {
                return line;
            }
        }
        throw new IllegalStateException("The emulator exited before it listened: exit " + waitFor(process));
    }

    private static int waitFor(Process process) {
        try {
            return process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * A free port below the kernel's ephemeral range: the restarted emulator binds it again, and a port the kernel
     * hands to outgoing connections could be taken in between.
     */
    static int freePortOutsideTheEphemeralRange() throws IOException {
        int ephemeralStart = 32768;
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (Files.isReadable(range)) {
            ephemeralStart = Integer.parseInt(Files.readString(range).trim().split("\\s+")[0]);
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            int candidate = ThreadLocalRandom.current().nextInt(20000, Math.max(20001, ephemeralStart));
            try (ServerSocket probe = new ServerSocket(candidate, 1, InetAddress.getLoopbackAddress())) {
                return candidate;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port below " + ephemeralStart);
    }
}
