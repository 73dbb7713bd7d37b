package io.matterpipeline.bus.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.bus.ConsumerSettings;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.MessageBusContractTests;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageFailed;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class InMemoryMessageBusTests extends MessageBusContractTests {

    private static final Duration CHECK = Duration.ofMillis(20);
    private static final AtomicInteger QUEUES = new AtomicInteger();

    private final InMemoryMessageBus bus =
            InMemoryMessageBus.create(InMemoryBusOptions.defaults().withLockCheckInterval(CHECK));
    private final Map<String, Integer> deadLettersRead = new ConcurrentHashMap<>();

    @BeforeAll
    static void failOnBlockingCalls() {
        NonBlockingThreads.enforce();
    }

    @AfterEach
    void close() {
        bus.close();
    }

    @Override
    protected MessageBus bus() {
        return bus;
    }

    @Override
    protected String createQueue(Duration lockDuration, int maxDeliveryCount) {
        String queue = "queue-" + QUEUES.incrementAndGet();
        bus.declareQueue(queue, lockDuration, maxDeliveryCount);
        return queue;
    }

    @Override
    protected Mono<DeadLetter> nextDeadLetter(String queue) {
        int index = deadLettersRead.merge(queue, 1, Integer::sum) - 1;
        return Flux.interval(Duration.ZERO, CHECK)
                .map(tick -> bus.deadLetters(queue))
                .filter(deadLetters -> deadLetters.size() > index)
                .next()
                .map(deadLetters -> deadLetters.get(index))
                .map(dead -> new DeadLetter(dead.messageId(), dead.reason(), dead.description(), dead.body()));
    }

    @Test
    void deadLetterInspectionShowsDeliveryCountAndReplayMovesMessagesBack() {
        String queue = createQueue(lockDuration(), 2);
        bus.publish(queue, message("m-1")).block(timeout());
        receiveOne(queue).abandon().block(timeout());
        receiveOne(queue).abandon().block(timeout());

        assertThat(bus.activeCount(queue)).isZero();
        List<DeadLetteredMessage> deadLetters = bus.deadLetters(queue);
        assertThat(deadLetters).singleElement().satisfies(dead -> {
            assertThat(dead.messageId()).isEqualTo("m-1");
            assertThat(dead.reason()).isEqualTo(InMemoryMessageBus.MAX_DELIVERY_COUNT_EXCEEDED);
            assertThat(dead.deliveryCount()).isEqualTo(2);
            assertThat(dead.properties()).containsEntry("origin", "contract");
        });

        assertThat(bus.replayDeadLetters(queue)).isEqualTo(1);

        assertThat(bus.deadLetters(queue)).isEmpty();
        Delivery replayed = receiveOne(queue);
        assertThat(replayed.messageId()).isEqualTo("m-1");
        assertThat(replayed.deliveryCount()).isZero();
    }

    @Test
    void activeCountIncludesWaitingAndLockedMessages() {
        String queue = createQueue(Duration.ofSeconds(30), 5);
        bus.publishAll(queue, List.of(message("a"), message("b"), message("c"))).block(timeout());
        Delivery locked = receiveOne(queue);

        assertThat(bus.activeCount(queue)).isEqualTo(3);
        locked.complete().block(timeout());
        assertThat(bus.activeCount(queue)).isEqualTo(2);
        assertThat(bus.activeCount("never-used")).isZero();
    }

    @Test
    void prefetchIsHandedOutOnTopOfDemandButNoMore() {
        String queue = createQueue(Duration.ofSeconds(30), 5);
        bus.publishAll(queue, Flux.range(0, 10).map(i -> message("m-" + i)).collectList().block()).block(timeout());

        List<Delivery> handedOut = new CopyOnWriteArrayList<>();
        BaseSubscriber<Delivery> oneAtATime = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                subscription.request(1);
            }

            @Override
            protected void hookOnNext(Delivery delivery) {
                handedOut.add(delivery);
            }
        };
        bus.receive(queue, new ReceiveOptions(2)).subscribe(oneAtATime);
        try {
            // One requested and two prefetched are locked, in the drain that hands out the first one (the receiver
            // drains asynchronously: a competitor started before it would race it for the messages).
            await().atMost(timeout()).until(() -> handedOut.size() == 1);
            // A competing receiver gets exactly the other seven...
            List<Delivery> rest = bus.receive(queue, ReceiveOptions.defaults())
                    .take(7)
                    .collectList()
                    .block(timeout());
            assertThat(rest).hasSize(7);
            // ...and nothing after them: every message is locked.
            StepVerifier.create(bus.receive(queue, ReceiveOptions.defaults()))
                    .expectSubscription()
                    .expectNoEvent(CHECK.multipliedBy(10))
                    .thenCancel()
                    .verify(timeout());
            assertThat(handedOut).hasSize(1);
        } finally {
            oneAtATime.dispose();
        }
    }

    @Test
    void duplicateDeliveryRateDeliversPublishedMessagesTwice() {
        InMemoryMessageBus faulty = InMemoryMessageBus.create(InMemoryBusOptions.defaults()
                .withLockCheckInterval(CHECK)
                .withFaults(1.0, 0, 42L));
        try {
            faulty.publish("q", message("m-1")).block(timeout());

            List<Delivery> deliveries = faulty.receive("q", ReceiveOptions.defaults())
                    .take(2)
                    .collectList()
                    .block(timeout());

            assertThat(deliveries).extracting(Delivery::messageId).containsExactly("m-1", "m-1");
        } finally {
            faulty.close();
        }
    }

    @Test
    void handlerCrashRateLosesCompletionsSoTheMessageIsRedeliveredAfterItsLock() {
        InMemoryMessageBus faulty = InMemoryMessageBus.create(InMemoryBusOptions.defaults()
                .withLockCheckInterval(CHECK)
                .withLockDuration(lockDuration())
                .withFaults(0, 1.0, 42L));
        try {
            faulty.publish("q", message("m-1")).block(timeout());
            Delivery first = faulty.receive("q", ReceiveOptions.defaults()).take(1).next().block(timeout());
            first.complete().block(timeout());

            Delivery again = faulty.receive("q", ReceiveOptions.defaults()).take(1).next().block(timeout());

            assertThat(again.messageId()).isEqualTo("m-1");
            assertThat(again.deliveryCount()).isEqualTo(1);
        } finally {
            faulty.close();
        }
    }

    @Test
    void faultInjectionIsReproducibleWithASeed() {
        assertThat(duplicatesPublished(7L)).isEqualTo(duplicatesPublished(7L)).isBetween(10, 90);
    }

    @Test
    void closingCompletesReceiversAndRejectsPublishing() {
        String queue = createQueue(lockDuration(), 5);

        StepVerifier.create(bus.receive(queue, ReceiveOptions.defaults()))
                .expectSubscription()
                .then(bus::close)
                .expectComplete()
                .verify(timeout());
        StepVerifier.create(bus.publish(queue, message("late")))
                .expectError(IllegalStateException.class)
                .verify(timeout());
    }

    @Test
    void aFullBoundedQueueMakesItsPublishersWaitInOrderUntilReceiversTakeMessages() {
        InMemoryMessageBus bounded = InMemoryMessageBus.create(InMemoryBusOptions.defaults()
                .withLockCheckInterval(CHECK).withCapacity("pages", 3));
        List<Delivery> taken = new CopyOnWriteArrayList<>();
        BaseSubscriber<Delivery> receiver = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                // No demand yet: the queue fills up.
            }

            @Override
            protected void hookOnNext(Delivery delivery) {
                taken.add(delivery);
            }
        };
        try {
            var first = bounded.publishAll("pages", Flux.range(0, 5).map(i -> message("m-" + i)).collectList()
                    .block()).toFuture();
            var second = bounded.publish("pages", message("m-5")).toFuture();
            // Three are in; the rest of the first publication and all of the second wait, neither dropped nor failed.
            assertThat(bounded.activeCount("pages")).isEqualTo(3);
            assertThat(first).isNotDone();
            assertThat(second).isNotDone();

            bounded.receive("pages", new ReceiveOptions(0)).subscribe(receiver);
            receiver.request(2);
            await().atMost(timeout()).until(first::isDone);
            assertThat(first).isCompleted();
            // Two taken made room for the first publication's last two, not yet for the second's message.
            assertThat(bounded.activeCount("pages") - taken.size()).isEqualTo(3);
            assertThat(second).isNotDone();

            receiver.request(1);
            await().atMost(timeout()).until(second::isDone);
            assertThat(second).isCompleted();
            receiver.request(10);
            await().atMost(timeout()).until(() -> taken.size() == 6);
            assertThat(taken).extracting(Delivery::messageId)
                    .containsExactly("m-0", "m-1", "m-2", "m-3", "m-4", "m-5");
            // Other queues are not bounded.
            bounded.publishAll("results", Flux.range(0, 10).map(i -> message("r-" + i)).collectList().block())
                    .block(timeout());
            assertThat(bounded.activeCount("results")).isEqualTo(10);
        } finally {
            receiver.dispose();
            bounded.close();
        }
    }

    @Test
    void aHandlerPublishingToItsOwnFullQueueIsNeverMadeToWaitOnItself() {
        InMemoryMessageBus bounded = InMemoryMessageBus.create(InMemoryBusOptions.defaults()
                .withLockCheckInterval(CHECK).withCapacity("results", 1));
        // One handler at a time, and each fact of pages 1..3 makes two more facts on the queue it came from: waiting
        // for room would wait for the only handler, which is the one waiting.
        AtomicInteger handled = new AtomicInteger();
        MessageHandler handler = (message, attempt) -> {
            handled.incrementAndGet();
            int page = ((PageFailed) message).pageNumber();
            return page > 3 ? Mono.empty() : bounded.publishAll("results", List.of(fact(2 * page), fact(2 * page + 1)));
        };
        QueueConsumer consumer = new QueueConsumer(bounded, "results", ConsumerSettings.of(1), handler);
        try {
            bounded.publish("results", fact(1)).block(timeout());
            consumer.start();

            await().atMost(timeout()).until(() -> handled.get() == 7 && bounded.activeCount("results") == 0);
            assertThat(bounded.deadLetters("results")).isEmpty();
            // Anyone else still waits for room.
            consumer.stop();
            bounded.publish("results", fact(8)).block(timeout());
            var outside = bounded.publishAll("results", List.of(fact(9), fact(10))).toFuture();
            assertThat(outside).isNotDone();
        } finally {
            consumer.stop();
            bounded.close();
        }
    }

    private static OutboundMessage fact(int page) {
        return MessageCodec.encode(new PageFailed("m-1", "d-1", page, "model-unavailable", "page " + page));
    }

    @Test
    void closingFailsThePublishersStillWaitingForRoom() {
        InMemoryMessageBus bounded = InMemoryMessageBus.create(InMemoryBusOptions.defaults()
                .withLockCheckInterval(CHECK).withCapacity("pages", 1));
        bounded.publish("pages", message("m-0")).block(timeout());
        var waiting = bounded.publish("pages", message("m-1")).toFuture();
        assertThat(waiting).isNotDone();

        bounded.close();

        assertThat(waiting).isCompletedExceptionally();
    }

    @Test
    void settlingTwiceFailsWithLockLost() {
        String queue = createQueue(lockDuration(), 5);
        bus.publish(queue, message("m-1")).block(timeout());
        Delivery delivery = receiveOne(queue);
        delivery.complete().block(timeout());

        StepVerifier.create(delivery.abandon())
                .expectError(io.matterpipeline.bus.LockLostException.class)
                .verify(timeout());
    }

    private int duplicatesPublished(long seed) {
        InMemoryMessageBus faulty = InMemoryMessageBus.create(InMemoryBusOptions.defaults().withFaults(0.5, 0, seed));
        try {
            faulty.publishAll("q", Flux.range(0, 100).map(i -> message("m-" + i)).collectList().block())
                    .block(timeout());
            return faulty.activeCount("q") - 100;
        } finally {
            faulty.close();
        }
    }

    private Delivery receiveOne(String queue) {
        return bus.receive(queue, ReceiveOptions.defaults()).take(1).next().block(timeout());
    }
}
