package io.matterpipeline.bus.servicebus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.messaging.servicebus.ServiceBusClientBuilder;
import com.azure.messaging.servicebus.ServiceBusReceivedMessage;
import com.azure.messaging.servicebus.ServiceBusReceiverClient;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.TraceContext;
import io.matterpipeline.error.TooLargeException;
import io.matterpipeline.testkit.servicebus.QueueOptions;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.util.context.Context;

/** How the adapter sends: batches within the broker's size limit, ids and properties, duplicate detection. */
@Timeout(120)
class ServiceBusPublishingTests {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Small, so that a thousand small messages need many batches. */
    private static final int MAX_MESSAGE_SIZE = 16 * 1024;

    private static ServiceBusEmulator emulator;
    private static ServiceBusMessageBus bus;

    @BeforeAll
    static void start() {
        emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withMaxMessageSize(MAX_MESSAGE_SIZE)
                .withQueues("batches", "properties", "large")
                .withQueue(QueueOptions.named("dedup").withDuplicateDetection(Duration.ofMinutes(10))));
        bus = ServiceBusMessageBus.create(Emulators.properties(emulator));
    }

    @AfterAll
    static void stop() {
        if (bus != null) {
            bus.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void aThousandSmallMessagesGoInSeveralBatchesAndAllArrive() {
        List<OutboundMessage> messages = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            messages.add(message("batch-" + i, "x".repeat(100)));
        }
        long payload = messages.stream().mapToLong(message -> message.body().length).sum();
        assertThat(payload).as("more than one batch can hold").isGreaterThan(5L * MAX_MESSAGE_SIZE);

        bus.publishAll("batches", messages).block(WAIT);

        assertThat(emulator.activeMessageCount("batches")).isEqualTo(1000);
        Set<String> received = bus.receive("batches", new ReceiveOptions(50))
                .take(1000)
                .flatMap(delivery -> delivery.complete().thenReturn(delivery.messageId()), 64)
                .collect(Collectors.toSet())
                .block(WAIT);
        assertThat(received).hasSize(1000).contains("batch-0", "batch-999");
        assertThat(emulator.activeMessageCount("batches")).isZero();
    }

    @Test
    void messageIdTypeSchemaVersionAndTraceparentTravelAsMessageProperties() {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        bus.publish("properties", new OutboundMessage("page-task:m-1:d-1:00001", "page-task",
                        "{}".getBytes(StandardCharsets.UTF_8), Map.of("schemaVersion", "1", "matterId", "m-1")))
                .contextWrite(Context.of(TraceContext.PROPERTY, traceparent))
                .block(WAIT);
        bus.publish("properties", message("no-trace", "body")).block(WAIT);

        List<Delivery> deliveries = bus.receive("properties", ReceiveOptions.defaults()).take(2).collectList()
                .block(WAIT);
        Delivery traced = deliveries.get(0);
        assertThat(traced.messageId()).isEqualTo("page-task:m-1:d-1:00001");
        assertThat(traced.type()).isEqualTo("page-task");
        assertThat(traced.properties()).containsEntry("type", "page-task").containsEntry("schemaVersion", "1")
                .containsEntry("matterId", "m-1").containsEntry(TraceContext.PROPERTY, traceparent);
        Delivery untraced = deliveries.get(1);
        assertThat(untraced.messageId()).isEqualTo("no-trace");
        assertThat(TraceContext.isValid(untraced.properties().get(TraceContext.PROPERTY)))
                .as("a generated traceparent: %s", untraced.properties()).isTrue();

        // What another Service Bus client sees: MessageId and Subject are the broker's own fields.
        try (ServiceBusReceiverClient peeker = new ServiceBusClientBuilder()
                .connectionString(emulator.connectionString()).receiver().queueName("properties").buildClient()) {
            ServiceBusReceivedMessage peeked = peeker.peekMessage();
            assertThat(peeked.getMessageId()).isEqualTo("page-task:m-1:d-1:00001");
            assertThat(peeked.getSubject()).isEqualTo("page-task");
        }
        deliveries.forEach(delivery -> delivery.complete().block(WAIT));
    }

    @Test
    void duplicateDetectionDropsARepublishedMessageId() {
        bus.publish("dedup", message("dup-1", "first")).block(WAIT);
        bus.publish("dedup", message("dup-1", "second")).block(WAIT);
        bus.publishAll("dedup", List.of(message("dup-1", "third"), message("dup-2", "other"))).block(WAIT);

        assertThat(emulator.activeMessageCount("dedup")).isEqualTo(2);
        List<Delivery> deliveries = bus.receive("dedup", ReceiveOptions.defaults()).take(2).collectList()
                .block(WAIT);
        assertThat(deliveries).extracting(delivery -> new String(delivery.body(), StandardCharsets.UTF_8))
                .containsExactly("first", "other");
        deliveries.forEach(delivery -> delivery.complete().block(WAIT));
    }

    @Test
    void aMessageLargerThanTheBrokerAcceptsFailsAsTooLarge() {
        OutboundMessage large = message("large-1", "x".repeat(MAX_MESSAGE_SIZE + 1));

        assertThatThrownBy(() -> bus.publishAll("large", List.of(message("small-1", "x"), large)).block(WAIT))
                .isInstanceOf(TooLargeException.class);
        assertThatThrownBy(() -> bus.publish("large", large).block(WAIT)).isInstanceOf(TooLargeException.class);
    }

    private static OutboundMessage message(String id, String body) {
        return new OutboundMessage(id, "test", body.getBytes(StandardCharsets.UTF_8), Map.of("origin", "test"));
    }
}
