package io.matterpipeline.bus.kafka;

import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.MessageBusContractTests;
import io.matterpipeline.testkit.kafka.KafkaBroker;
import io.matterpipeline.testkit.kafka.KafkaBrokerOptions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import reactor.core.publisher.Mono;

/**
 * The bus contract, unchanged, over a real Apache Kafka broker (testkit's KRaft broker in a child JVM, one for the
 * class). Each test gets its own queue, and so its own topics and consumer group, and a bus whose lease and delivery
 * budget are that queue's "lock duration" and "max delivery count". Nothing is skipped: the lock tests exercise the
 * adapter's lease (Kafka has no broker-side lock), the dead-letter tests read {@code <queue>.DLT} through the
 * adapter's {@link io.matterpipeline.bus.DeadLetters}.
 */
class KafkaMessageBusTests extends MessageBusContractTests {

    private static final AtomicInteger QUEUES = new AtomicInteger();
    private static KafkaBroker broker;

    private KafkaMessageBus bus;
    private int deadLettersRead;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.start(KafkaBrokerOptions.noTopics());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Longer than the suite's default: a consumer joining its group takes a few hundred milliseconds. */
    @Override
    protected Duration lockDuration() {
        return Duration.ofSeconds(1);
    }

    @AfterEach
    void close() {
        if (bus != null) {
            bus.close();
        }
    }

    @Override
    protected MessageBus bus() {
        if (bus == null) {
            throw new IllegalStateException("createQueue creates the bus: call it first");
        }
        return bus;
    }

    @Override
    protected String createQueue(Duration lockDuration, int maxDeliveryCount) {
        String queue = "queue-" + QUEUES.incrementAndGet();
        bus = KafkaMessageBus.create(KafkaBusProperties.ofBootstrapServers(broker.bootstrapServers())
                .withPartitions(2)
                .withDelivery(lockDuration, maxDeliveryCount, Duration.ofMillis(100))
                .withCommits(Duration.ofMillis(100), lockDuration().multipliedBy(10)));
        return queue;
    }

    @Override
    protected Mono<DeadLetter> nextDeadLetter(String queue) {
        return listedDeadLetter(bus, queue, deadLettersRead++);
    }
}
