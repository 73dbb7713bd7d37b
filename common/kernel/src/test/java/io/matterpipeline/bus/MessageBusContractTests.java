package io.matterpipeline.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.testkit.reactive.RecordingSubscriber;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Signal;
import reactor.core.publisher.Sinks;

/**
 * The {@link MessageBus} contract, run unchanged against every adapter (in-memory, Service Bus, Kafka): Service Bus
 * peek-lock semantics as the services rely on them.
 *
 * <p>A subclass provides the bus under test ({@link #bus()}), a fresh queue with a given lock duration and max
 * delivery count per test ({@link #createQueue}), and a way to read what was dead-lettered
 * ({@link #nextDeadLetter}). It may lengthen {@link #lockDuration()} when its broker has a minimum. Every wait is
 * bounded by {@link #timeout()}.
 */
public abstract class MessageBusContractTests {

    /** The bus under test; the same instance for the whole test method. */
    protected abstract MessageBus bus();

    /**
     * Creates an empty queue, unique to the calling test, whose locks last {@code lockDuration} and whose messages are
     * dead-lettered with reason {@code MaxDeliveryCountExceeded} after {@code maxDeliveryCount} deliveries. Returns
     * its name.
     */
    protected abstract String createQueue(Duration lockDuration, int maxDeliveryCount);

    /**
     * The next message of {@code queue}'s dead-letter queue, each dead-lettered message once, in order; the Mono waits
     * until there is one (the suite applies the timeout). Service Bus reads {@code <queue>/$deadletterqueue}, other
     * adapters wherever they keep dead letters.
     */
    protected abstract Mono<DeadLetter> nextDeadLetter(String queue);

    /** The lock duration of the suite's queues; short so that expiry tests are quick. */
    protected Duration lockDuration() {
        return Duration.ofMillis(400);
    }

    /**
     * The lock duration of tests that do not wait for a lock to expire: long enough that a loaded machine never loses
     * a lock between receiving and settling.
     */
    protected Duration longLockDuration() {
        return lockDuration().multipliedBy(25);
    }

    /** The longest any single step may take. */
    protected Duration timeout() {
        return lockDuration().multipliedBy(10).plusSeconds(5);
    }

    /** A dead-lettered message as the suite checks it. */
    public record DeadLetter(String messageId, String reason, String description, byte[] body) {
    }

    @Test
    public void publishedMessageIsReceivedWithItsContentAndCompletingRemovesIt() {
        String queue = createQueue(longLockDuration(), 5);
        bus().publish(queue, message("m-1")).block(timeout());

        Delivery delivery = receiveOne(queue);

        assertThat(delivery.messageId()).isEqualTo("m-1");
        assertThat(delivery.type()).isEqualTo("contract-test");
        assertThat(new String(delivery.body(), StandardCharsets.UTF_8)).isEqualTo("body of m-1");
        assertThat(delivery.properties()).containsEntry("origin", "contract");
        assertThat(delivery.deliveryCount()).isZero();
        assertThat(delivery.lockDuration()).isEqualTo(longLockDuration());
        assertThat(delivery.lockedUntil()).isAfter(Instant.now());
        delivery.complete().block(timeout());

        expectNothingFor(queue, lockDuration().multipliedBy(3));
    }

    @Test
    public void publishAllDeliversEveryMessage() {
        String queue = createQueue(longLockDuration(), 5);
        List<OutboundMessage> messages = List.of(message("a"), message("b"), message("c"), message("d"), message("e"));
        bus().publishAll(queue, messages).block(timeout());

        List<Delivery> deliveries = bus().receive(queue, ReceiveOptions.defaults())
                .take(5)
                .collectList()
                .block(timeout());

        assertThat(deliveries).extracting(Delivery::messageId).containsExactlyInAnyOrder("a", "b", "c", "d", "e");
        Flux.fromIterable(deliveries).concatMap(Delivery::complete).then().block(timeout());
        expectNothingFor(queue, lockDuration().multipliedBy(2));
    }

    @Test
    public void expiredLockRedeliversWithHigherDeliveryCountAndTheOldLockCannotSettle() {
        String queue = createQueue(lockDuration(), 5);
        bus().publish(queue, message("m-1")).block(timeout());

        Delivery first = receiveOne(queue);
        Delivery second = receiveOne(queue);

        assertThat(second.messageId()).isEqualTo("m-1");
        assertThat(second.deliveryCount()).isEqualTo(first.deliveryCount() + 1);
        assertThatThrownBy(() -> first.complete().block(timeout())).isInstanceOf(LockLostException.class);
        second.complete().block(timeout());
        expectNothingFor(queue, lockDuration().multipliedBy(2));
    }

    @Test
    public void abandonRedeliversWithHigherDeliveryCount() {
        String queue = createQueue(longLockDuration(), 5);
        bus().publish(queue, message("m-1")).block(timeout());

        Delivery first = receiveOne(queue);
        first.abandon().block(timeout());
        Delivery second = receiveOne(queue);
        second.abandon().block(timeout());
        Delivery third = receiveOne(queue);

        assertThat(List.of(first.deliveryCount(), second.deliveryCount(), third.deliveryCount()))
                .containsExactly(0, 1, 2);
        third.complete().block(timeout());
    }

    @Test
    public void messageIsDeadLetteredOnceTheMaxDeliveryCountIsReached() {
        String queue = createQueue(longLockDuration(), 2);
        bus().publish(queue, message("m-1")).block(timeout());

        receiveOne(queue).abandon().block(timeout());
        receiveOne(queue).abandon().block(timeout());

        DeadLetter dead = nextDeadLetter(queue).block(timeout());
        assertThat(dead.messageId()).isEqualTo("m-1");
        assertThat(dead.reason()).isEqualTo("MaxDeliveryCountExceeded");
        assertThat(new String(dead.body(), StandardCharsets.UTF_8)).isEqualTo("body of m-1");
        expectNothingFor(queue, lockDuration().multipliedBy(2));
    }

    @Test
    public void deadLetterKeepsReasonAndDescription() {
        String queue = createQueue(longLockDuration(), 5);
        bus().publish(queue, message("m-1")).block(timeout());

        receiveOne(queue).deadLetter("encrypted-pdf", "The PDF is encrypted and has no password").block(timeout());

        DeadLetter dead = nextDeadLetter(queue).block(timeout());
        assertThat(dead.messageId()).isEqualTo("m-1");
        assertThat(dead.reason()).isEqualTo("encrypted-pdf");
        assertThat(dead.description()).isEqualTo("The PDF is encrypted and has no password");
        expectNothingFor(queue, lockDuration().multipliedBy(2));
    }

    @Test
    public void renewingTheLockKeepsTheMessageFromBeingRedelivered() {
        String queue = createQueue(lockDuration(), 5);
        bus().publish(queue, message("m-1")).block(timeout());
        Delivery delivery = receiveOne(queue);
        Instant firstLockedUntil = delivery.lockedUntil();
        List<Delivery> redelivered = new CopyOnWriteArrayList<>();
        Disposable competitor = bus().receive(queue, ReceiveOptions.defaults()).subscribe(redelivered::add);
        try {
            // Renew every third of the lock for two and a half lock durations.
            Instant lastLockedUntil = Flux.interval(lockDuration().dividedBy(3))
                    .take(7)
                    .concatMap(tick -> delivery.renewLock())
                    .blockLast(timeout());

            assertThat(lastLockedUntil).isAfter(firstLockedUntil);
            delivery.complete().block(timeout());
            assertThat(redelivered).isEmpty();
        } finally {
            competitor.dispose();
        }
    }

    @Test
    public void demandIsCredit() {
        String queue = createQueue(longLockDuration(), 5);
        bus().publishAll(queue, List.of(message("a"), message("b"), message("c"))).block(timeout());

        RecordingSubscriber<Delivery> receiver = RecordingSubscriber.subscribe(
                bus().receive(queue, ReceiveOptions.defaults()), 0);
        try {
            assertThat(receiver.signalsWithin(lockDuration())).as("signals before any demand").isEmpty();
            for (int request = 1; request <= 2; request++) {
                receiver.request(1);
                assertThat(receiver.next(timeout())).as("the signal for request " + request).isNotNull()
                        .matches(Signal::isOnNext, "a delivery");
                assertThat(receiver.signalsWithin(lockDuration())).as("signals beyond request " + request).isEmpty();
            }
        } finally {
            receiver.cancel();
        }
    }

    @Test
    public void consumerRetriesAFailedMessageAndCompletesItExactlyOnceAfterSuccess() {
        String queue = createQueue(lockDuration(), 5);
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        MessageHandler handler = (message, attempt) -> {
            attempts.add(attempt.deliveryCount());
            return attempts.size() == 1
                    ? Mono.error(new TransientException("model-unavailable", "The model server answered 503"))
                    : Mono.empty();
        };
        Sinks.Empty<Void> stop = Sinks.empty();
        Disposable consumer = consumer(queue, 5, handler).run(stop.asMono()).subscribe();
        try {
            bus().publish(queue, MessageCodec.encode(pageTask())).block(timeout());

            waitUntil(() -> attempts.size() >= 2);
            // Completed after the success: never handled again, even after its lock would have expired.
            sleep(lockDuration().multipliedBy(3));
            assertThat(attempts).containsExactly(0, 1);
        } finally {
            stop.tryEmitEmpty();
            consumer.dispose();
        }
        expectNothingFor(queue, lockDuration());
    }

    @Test
    public void consumerWhoseHandlerKeepsFailingNeverCompletesAndGivesUpOnTheLastDelivery() {
        String queue = createQueue(lockDuration(), 2);
        AtomicInteger attempts = new AtomicInteger();
        List<String> givenUp = new CopyOnWriteArrayList<>();
        MessageHandler handler = new MessageHandler() {
            @Override
            public Mono<Void> handle(PipelineMessage message, DeliveryAttempt attempt) {
                attempts.incrementAndGet();
                return Mono.error(new TransientException("model-unavailable", "The model server answered 503"));
            }

            @Override
            public Mono<Void> onGiveUp(PipelineMessage message, String reason, String description) {
                givenUp.add(message.messageId() + " " + reason);
                return Mono.empty();
            }
        };
        Sinks.Empty<Void> stop = Sinks.empty();
        Disposable consumer = consumer(queue, 2, handler).run(stop.asMono()).subscribe();
        try {
            bus().publish(queue, MessageCodec.encode(pageTask())).block(timeout());

            DeadLetter dead = nextDeadLetter(queue).block(timeout());

            assertThat(dead.messageId()).isEqualTo(pageTask().messageId());
            assertThat(dead.reason()).isEqualTo("model-unavailable");
            assertThat(attempts).hasValue(2);
            assertThat(givenUp).containsExactly(pageTask().messageId() + " model-unavailable");
        } finally {
            stop.tryEmitEmpty();
            consumer.dispose();
        }
    }

    /**
     * The {@code index}th dead letter of a queue as the adapter's {@link DeadLetters} lists it, once there is one: an
     * implementation of {@link #nextDeadLetter} for adapters whose dead letters are read through that port.
     */
    protected static Mono<DeadLetter> listedDeadLetter(DeadLetters deadLetters, String queue, int index) {
        return Mono.defer(() -> deadLetters.list(queue, index + 1).collectList())
                .filter(listed -> listed.size() > index)
                .repeatWhenEmpty(attempts -> attempts.delayElements(Duration.ofMillis(50)))
                .map(listed -> listed.get(index))
                .map(dead -> new DeadLetter(dead.messageId(), dead.reason(), dead.description(), dead.body()));
    }

    /** A consumer with the queue's delivery budget and a short backoff. */
    protected QueueConsumer consumer(String queue, int maxDeliveries, MessageHandler handler) {
        ConsumerSettings settings = new ConsumerSettings(2, 0, maxDeliveries, Duration.ofMillis(20),
                Duration.ofMillis(50), timeout());
        return new QueueConsumer(bus(), queue, settings, handler);
    }

    /** A test message with a deterministic id. */
    protected static OutboundMessage message(String id) {
        return new OutboundMessage(id, "contract-test", ("body of " + id).getBytes(StandardCharsets.UTF_8),
                Map.of("origin", "contract"));
    }

    private static PageTask pageTask() {
        return new PageTask("m-contract", "d-contract", 1, 1, "matters/m-contract/documents/d-contract/pages/00001.json");
    }

    private Delivery receiveOne(String queue) {
        Delivery delivery = bus().receive(queue, ReceiveOptions.defaults()).take(1).next().block(timeout());
        assertThat(delivery).as("a delivery from " + queue).isNotNull();
        return delivery;
    }

    private void expectNothingFor(String queue, Duration quiet) {
        RecordingSubscriber<Delivery> receiver = RecordingSubscriber.subscribe(
                bus().receive(queue, ReceiveOptions.defaults()), Long.MAX_VALUE);
        try {
            assertThat(receiver.signalsWithin(quiet)).as("signals from " + queue + " within " + quiet).isEmpty();
        } finally {
            receiver.cancel();
        }
    }

    private void waitUntil(java.util.function.BooleanSupplier condition) {
        Instant deadline = Instant.now().plus(timeout());
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waited too long").isBefore(deadline);
            sleep(Duration.ofMillis(10));
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
