package io.matterpipeline.bus.servicebus;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.bus.ConsumerSettings;
import io.matterpipeline.bus.DeadLetter;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.ReplayResult;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.error.PoisonException;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/** The dead-letter operations: inspecting what was dead-lettered and why, and replaying it after a fix. */
@Timeout(120)
class ServiceBusDeadLettersTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static ServiceBusEmulator emulator;
    private static ServiceBusMessageBus bus;

    @BeforeAll
    static void start() {
        emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueues("inspect", "replay", "recent"));
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
    void listShowsReasonDescriptionDeliveryCountAndContentWithoutRemovingAnything() {
        Instant before = Instant.now().minusSeconds(1);
        bus.publish("inspect", new OutboundMessage("dead-1", "page-task", "body-1".getBytes(StandardCharsets.UTF_8),
                Map.of("matterId", "m-7"))).block(WAIT);
        Delivery first = receiveOne("inspect");
        first.abandon().block(WAIT);
        receiveOne("inspect").deadLetter("encrypted-pdf", "The PDF is encrypted and has no password").block(WAIT);

        List<DeadLetter> listed = bus.list("inspect", 10).collectList().block(WAIT);

        assertThat(listed).singleElement().satisfies(dead -> {
            assertThat(dead.queue()).isEqualTo("inspect");
            assertThat(dead.messageId()).isEqualTo("dead-1");
            assertThat(dead.type()).isEqualTo("page-task");
            assertThat(dead.reason()).isEqualTo("encrypted-pdf");
            assertThat(dead.description()).isEqualTo("The PDF is encrypted and has no password");
            assertThat(dead.deliveryCount()).as("one abandoned delivery before").isEqualTo(1);
            assertThat(dead.enqueuedTime()).isAfter(before);
            assertThat(dead.properties()).containsEntry("matterId", "m-7");
            assertThat(new String(dead.body(), StandardCharsets.UTF_8)).isEqualTo("body-1");
        });
        assertThat(bus.list("inspect", 10).collectList().block(WAIT)).as("listing is a peek").hasSize(1);
        assertThat(emulator.deadLetterMessageCount("inspect")).isEqualTo(1);
    }

    @Test
    void replayMovesTheSelectedDeadLetterBackAndItIsProcessed() {
        PageTask fixedLater = page(1);
        PageTask stillBroken = page(2);
        AtomicBoolean fixed = new AtomicBoolean();
        List<String> processed = new CopyOnWriteArrayList<>();
        MessageHandler handler = (message, attempt) -> {
            if (!fixed.get() || message.messageId().equals(stillBroken.messageId())) {
                return Mono.error(new PoisonException("unreadable-page", "Page " + message.messageId()));
            }
            return Mono.fromRunnable(() -> processed.add(message.messageId()));
        };
        QueueConsumer consumer = new QueueConsumer(bus, "replay",
                new ConsumerSettings(2, 0, 10, Duration.ofMillis(50), Duration.ofMillis(200), WAIT), handler);
        consumer.start();
        try {
            bus.publishAll("replay", List.of(MessageCodec.encode(fixedLater), MessageCodec.encode(stillBroken)))
                    .block(WAIT);
            waitUntil(() -> emulator.deadLetterMessageCount("replay") == 2);
            assertThat(bus.list("replay", 10).collectList().block(WAIT))
                    .extracting(DeadLetter::reason).containsOnly("unreadable-page");

            fixed.set(true);
            ReplayResult result = bus.replay("replay", Set.of(fixedLater.messageId())).block(WAIT);

            assertThat(result.replayed()).containsExactly(fixedLater.messageId());
            assertThat(result.skipped()).isEmpty();
            waitUntil(() -> processed.size() == 1 && emulator.activeMessageCount("replay") == 0);
            assertThat(processed).containsExactly(fixedLater.messageId());
            assertThat(bus.list("replay", 10).collectList().block(WAIT)).extracting(DeadLetter::messageId)
                    .as("the message not selected stays dead-lettered").containsExactly(stillBroken.messageId());
        } finally {
            consumer.stop();
        }
    }

    @Test
    void replayLeavesAMessageTheDuplicateDetectionWindowWouldDropInTheDeadLetterQueue() {
        bus.publish("recent", new OutboundMessage("recent-1", "test", new byte[] {1}, Map.of())).block(WAIT);
        receiveOne("recent").deadLetter("poison", "test").block(WAIT);

        try (ServiceBusMessageBus guarded = ServiceBusMessageBus.create(Emulators.properties(emulator)
                .withDeadLetterReplay(Duration.ofSeconds(1), 100, Duration.ofMinutes(10)))) {
            ReplayResult result = guarded.replay("recent", 10).block(WAIT);

            assertThat(result.replayed()).isEmpty();
            assertThat(result.skipped()).containsExactly("recent-1");
        }
        assertThat(emulator.deadLetterMessageCount("recent")).isEqualTo(1);
        assertThat(emulator.activeMessageCount("recent")).isZero();
        // Without the guard (window zero: the queue has no duplicate detection) it goes back.
        assertThat(bus.replay("recent", 10).block(WAIT).replayed()).containsExactly("recent-1");
        assertThat(emulator.deadLetterMessageCount("recent")).isZero();
        assertThat(emulator.activeMessageCount("recent")).isEqualTo(1);
    }

    private static Delivery receiveOne(String queue) {
        return bus.receive(queue, ReceiveOptions.defaults()).next().block(WAIT);
    }

    private static PageTask page(int number) {
        return new PageTask("m-dead", "d-dead", number, 10, "matters/m-dead/documents/d-dead/pages/0000" + number
                + ".json");
    }

    private static void waitUntil(BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(WAIT);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waited too long").isBefore(deadline);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
