package io.matterpipeline.bus.servicebus;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.bus.ConsumerSettings;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.testkit.servicebus.QueueOptions;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/** A {@link QueueConsumer} over the adapter: lock renewal, graceful shutdown, reconnecting after a broker restart. */
@Timeout(120)
class ServiceBusConsumingTests {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration LOCK = Duration.ofSeconds(2);

    private static ServiceBusEmulator emulator;
    private static ServiceBusMessageBus bus;

    @BeforeAll
    static void start() {
        emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueue(QueueOptions.named("slow").withLockDuration(LOCK))
                .withQueue(QueueOptions.named("shutdown").withLockDuration(LOCK)));
        // No configured lock duration: the adapter derives it from the messages' locked-until.
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
    void lockRenewalKeepsASlowHandlersMessageFromRedeliveryAcrossSeveralLockPeriods() {
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        MessageHandler slow = (message, attempt) -> {
            attempts.add(attempt.deliveryCount());
            return Mono.delay(LOCK.multipliedBy(3)).then();
        };
        QueueConsumer consumer = new QueueConsumer(bus, "slow", settings(2), slow);
        consumer.start();
        try {
            bus.publish("slow", MessageCodec.encode(page(1))).block(WAIT);

            waitUntil(() -> !attempts.isEmpty() && consumer.inFlight() == 0 && emulator.activeMessageCount("slow") == 0);
            // Past another lock period: an unrenewed or uncompleted lock would have redelivered it by now.
            sleep(LOCK.plusMillis(500));
            assertThat(attempts).containsExactly(0);
            assertThat(emulator.activeMessageCount("slow")).isZero();
            assertThat(emulator.deadLetterMessageCount("slow")).isZero();
        } finally {
            consumer.stop();
        }
    }

    @Test
    void aConsumerStoppedMidHandlerFinishesItAndTheMessageIsNotRedelivered() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        List<String> finished = new CopyOnWriteArrayList<>();
        List<String> seen = new CopyOnWriteArrayList<>();
        MessageHandler handler = (message, attempt) -> {
            seen.add(message.messageId());
            started.countDown();
            return Mono.delay(Duration.ofMillis(1500)).then(Mono.fromRunnable(() -> finished.add(message.messageId())));
        };
        QueueConsumer consumer = new QueueConsumer(bus, "shutdown", settings(1), handler);
        consumer.start();
        PipelineMessage first = page(2);
        bus.publish("shutdown", MessageCodec.encode(first)).block(WAIT);
        assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        // stop() blocks until in-flight handlers are done (the Spring lifecycle calls it on shutdown).
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(consumer::stop);
        stopping.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(finished).containsExactly(first.messageId());
        assertThat(emulator.activeMessageCount("shutdown")).as("completed, not left locked").isZero();
        // Stopped means stopped: a later message stays in the queue.
        bus.publish("shutdown", MessageCodec.encode(page(3))).block(WAIT);
        sleep(LOCK.plusMillis(500));
        assertThat(seen).containsExactly(first.messageId());
        assertThat(emulator.activeMessageCount("shutdown")).isEqualTo(1);
    }

    @Test
    void afterABrokerRestartWhileIdleTheBusReconnectsAndGoesOn() {
        try (ServiceBusEmulator restarting = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueue(QueueOptions.named("restart").withLockDuration(LOCK)));
             ServiceBusMessageBus restartingBus = ServiceBusMessageBus.create(Emulators.properties(restarting))) {
            List<String> handled = new CopyOnWriteArrayList<>();
            MessageHandler handler = (message, attempt) -> Mono.fromRunnable(() -> handled.add(message.messageId()));
            QueueConsumer consumer = new QueueConsumer(restartingBus, "restart", settings(2), handler);
            consumer.start();
            try {
                restartingBus.publish("restart", MessageCodec.encode(page(4))).block(WAIT);
                waitUntil(() -> handled.size() == 1);
                // Idle means settled too: the handler has run, but its completion may still be on the wire, and a
                // completion cut off by the restart is another scenario (the message is redelivered after its lock).
                waitUntil(() -> restarting.activeMessageCount("restart") == 0);

                restarting.restart();

                restartingBus.publish("restart", MessageCodec.encode(page(5))).block(WAIT);
                waitUntil(() -> handled.size() == 2);
                assertThat(handled).containsExactly(page(4).messageId(), page(5).messageId());
                waitUntil(() -> restarting.activeMessageCount("restart") == 0);
            } finally {
                consumer.stop();
            }
        }
    }

    @Test
    void aCompletionCutOffByABrokerRestartIsSettledAfterTheReconnectAndNothingIsLost() {
        try (ServiceBusEmulator restarting = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueue(QueueOptions.named("cut-off").withLockDuration(LOCK)));
             ServiceBusMessageBus restartingBus = ServiceBusMessageBus.create(Emulators.properties(restarting))) {
            List<String> handled = new CopyOnWriteArrayList<>();
            CountDownLatch firstStarted = new CountDownLatch(1);
            // The first handler finishes only after the broker went down: its completion meets a dropped connection.
            MessageHandler handler = (message, attempt) -> Mono.fromRunnable(() -> handled.add(message.messageId()))
                    .then(firstStarted.getCount() == 1
                            ? Mono.fromRunnable(firstStarted::countDown).then(Mono.delay(Duration.ofMillis(300)))
                                    .then()
                            : Mono.empty());
            QueueConsumer consumer = new QueueConsumer(restartingBus, "cut-off", settings(2), handler);
            consumer.start();
            try {
                restartingBus.publish("cut-off", MessageCodec.encode(page(6))).block(WAIT);
                waitUntil(() -> firstStarted.getCount() == 0);

                restarting.restart();

                restartingBus.publish("cut-off", MessageCodec.encode(page(7))).block(WAIT);
                waitUntil(() -> handled.contains(page(7).messageId()));
                // Settled once the connection is back, or redelivered after its lock and handled again: never lost.
                waitUntil(() -> restarting.activeMessageCount("cut-off") == 0);
                assertThat(handled).contains(page(6).messageId());
                assertThat(restarting.deadLetterMessageCount("cut-off")).isZero();
            } finally {
                consumer.stop();
            }
        }
    }

    private static ConsumerSettings settings(int concurrency) {
        return new ConsumerSettings(concurrency, 0, 10, Duration.ofMillis(50), Duration.ofMillis(200), WAIT);
    }

    private static PageTask page(int number) {
        return new PageTask("m-consuming", "d-consuming", number, 10,
                "matters/m-consuming/documents/d-consuming/pages/0000" + number + ".json");
    }

    private static void waitUntil(BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(WAIT);
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waited too long").isBefore(deadline);
            sleep(Duration.ofMillis(20));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
