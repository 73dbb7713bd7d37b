package io.matterpipeline.bus.servicebus;

import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.MessageBusContractTests;
import io.matterpipeline.testkit.servicebus.QueueOptions;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorOptions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.ReceiveOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import reactor.core.publisher.Mono;

/**
 * The bus contract over the real Service Bus SDK and the in-process emulator. The emulator declares its queues when
 * it starts, so every test gets its own emulator holding the one queue the test creates.
 */
class ServiceBusMessageBusTests extends MessageBusContractTests {

    private static final AtomicInteger QUEUES = new AtomicInteger();

    private ServiceBusEmulator emulator;
    private ServiceBusMessageBus bus;
    private int deadLettersRead;

    /**
     * The first SDK connection, management link and settlement of a JVM take a second or more (class loading, JIT):
     * longer than a test lock lasts. Pay for that once, outside any test.
     */
    @BeforeAll
    static void warmUp() {
        try (ServiceBusEmulator warm = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueues("warm-up"));
             ServiceBusMessageBus warmBus = ServiceBusMessageBus.create(Emulators.properties(warm))) {
            warmBus.publish("warm-up", message("warm-up")).block(Duration.ofSeconds(30));
            Delivery delivery = warmBus.receive("warm-up", ReceiveOptions.defaults()).next()
                    .block(Duration.ofSeconds(30));
            delivery.renewLock().then(delivery.complete()).block(Duration.ofSeconds(30));
            warmBus.list("warm-up", 1).blockLast(Duration.ofSeconds(30));
        }
    }

    /**
     * Longer than the suite's default: the first settlement after a receive link closed opens the entity's
     * management link (CBS token, two attaches), which took up to a second on a busy two-core machine.
     */
    @Override
    protected Duration lockDuration() {
        return Duration.ofSeconds(2);
    }

    @AfterEach
    void close() {
        if (bus != null) {
            bus.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    @Override
    protected MessageBus bus() {
        if (bus == null) {
            throw new IllegalStateException("createQueue starts the emulator and the bus: call it first");
        }
        return bus;
    }

    @Override
    protected String createQueue(Duration lockDuration, int maxDeliveryCount) {
        if (emulator != null) {
            throw new UnsupportedOperationException("The emulator cannot add a queue once started: one per test");
        }
        String queue = "queue-" + QUEUES.incrementAndGet();
        emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueue(QueueOptions.named(queue).withLockDuration(lockDuration)
                        .withMaxDeliveryCount(maxDeliveryCount)));
        bus = ServiceBusMessageBus.create(Emulators.properties(emulator).withLockDuration(lockDuration));
        return queue;
    }

    @Override
    protected Mono<DeadLetter> nextDeadLetter(String queue) {
        // Through the adapter's own dead-letter listing (a peek of <queue>/$deadletterqueue).
        return listedDeadLetter(bus, queue, deadLettersRead++);
    }
}
