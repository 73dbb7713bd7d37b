package io.matterpipeline.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PagesExtracted;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.TransientException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

class QueueConsumerTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final PageTask TASK = new PageTask("m-1", "d-1", 3, 9, "matters/m-1/documents/d-1/pages/00003.json");
    private static final PagesExtracted BATCH = new PagesExtracted("m-1", List.of(
            new PagesExtracted.Page("d-1", 1, "e1", null),
            new PagesExtracted.Page("d-1", 2, "e2", null),
            new PagesExtracted.Page("d-2", 3, "e3", null)));

    private final List<String> events = new CopyOnWriteArrayList<>();

    @Test
    void successCompletes() {
        RecordingDelivery delivery = new RecordingDelivery(0);

        StepVerifier.create(consumer(settings(3), (message, attempt) -> Mono.empty(), delivery).run(Mono.never()))
                .verifyComplete();

        assertThat(events).containsExactly("complete");
    }

    @Test
    void badInputIsDeadLetteredWithItsReasonAtOnce() {
        RecordingDelivery delivery = new RecordingDelivery(0);
        MessageHandler handler = failingWith(message -> new BadInputException("encrypted-pdf", "The PDF is encrypted"));

        StepVerifier.create(consumer(settings(3), handler, delivery).run(Mono.never())).verifyComplete();

        assertThat(events).containsExactly("give-up encrypted-pdf",
                "dead-letter encrypted-pdf BadInputException: The PDF is encrypted");
    }

    @Test
    void undecodableBodyIsDeadLetteredAsPoisonWithoutCallingTheHandler() {
        RecordingDelivery delivery = new RecordingDelivery(0, "not json".getBytes(StandardCharsets.UTF_8));
        AtomicBoolean called = new AtomicBoolean();

        StepVerifier.create(consumer(settings(3), (message, attempt) -> {
            called.set(true);
            return Mono.empty();
        }, delivery).run(Mono.never())).verifyComplete();

        assertThat(called).isFalse();
        assertThat(events).singleElement().asString().startsWith("dead-letter malformed-message");
    }

    @Test
    void transientFailureIsAbandonedAfterAnExponentialBackoff() {
        ConsumerSettings settings = settings(5).withRetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(3));
        MessageHandler handler = failingWith(message -> new TransientException("model-unavailable", "503"));

        // Second failed attempt (deliveryCount 1): 1 s doubled.
        StepVerifier.withVirtualTime(() -> consumer(settings, handler, new RecordingDelivery(1)).run(Mono.never()))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(1999))
                .then(() -> assertThat(events).isEmpty())
                .thenAwait(Duration.ofMillis(1))
                .verifyComplete();
        assertThat(events).containsExactly("abandon");

        events.clear();
        // Fourth attempt (deliveryCount 3): 8 s capped at 3 s.
        StepVerifier.withVirtualTime(() -> consumer(settings, handler, new RecordingDelivery(3)).run(Mono.never()))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(2999))
                .then(() -> assertThat(events).isEmpty())
                .thenAwait(Duration.ofMillis(1))
                .verifyComplete();
        assertThat(events).containsExactly("abandon");
    }

    @Test
    void unexpectedExceptionsAreRetriedLikeTransientOnes() {
        MessageHandler handler = failingWith(message -> new IllegalStateException("bug"));

        StepVerifier.withVirtualTime(() -> consumer(settings(5), handler, new RecordingDelivery(0)).run(Mono.never()))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .verifyComplete();

        assertThat(events).containsExactly("abandon");
    }

    @Test
    void lastDeliveryGivesUpThenDeadLetters() {
        MessageHandler handler = failingWith(message -> new TransientException("model-unavailable", "503"));

        StepVerifier.create(consumer(settings(3), handler, new RecordingDelivery(2)).run(Mono.never()))
                .verifyComplete();

        assertThat(events).containsExactly("give-up model-unavailable",
                "dead-letter model-unavailable TransientException: 503");
    }

    @Test
    void lockIsRenewedWhileASlowGiveUpHookReportsTheLastDelivery() {
        RecordingDelivery delivery = new RecordingDelivery(2);
        MessageHandler slowGiveUp = new MessageHandler() {
            @Override
            public Mono<Void> handle(PipelineMessage message, DeliveryAttempt attempt) {
                return Mono.error(new TransientException("blob-io-error", "unreadable"));
            }

            @Override
            public Mono<Void> onGiveUp(PipelineMessage message, String reason, String description) {
                // Publishing the failure report takes longer than the 1 s lock on a busy machine.
                return Mono.delay(Duration.ofMillis(1200)).then(Mono.fromRunnable(() -> events.add("give-up")));
            }
        };

        StepVerifier.withVirtualTime(() -> new QueueConsumer(busOf(Flux.just(delivery)), "pages", settings(3),
                        slowGiveUp).run(Mono.never()))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(1200))
                .verifyComplete();

        // Renewed at 0.5 and 1.0 s: the dead-letter keeps the handler's reason instead of the lock running out and
        // the broker dead-lettering the next delivery as MaxDeliveryCountExceeded.
        assertThat(delivery.renewals).hasValue(2);
        assertThat(events).containsExactly("give-up", "dead-letter blob-io-error TransientException: unreadable");
    }

    @Test
    void lockIsRenewedWhileASlowHandlerRunsAndNoLongerAfterwards() {
        RecordingDelivery delivery = new RecordingDelivery(0);
        MessageHandler slow = (message, attempt) -> Mono.delay(Duration.ofMillis(3200)).then();

        StepVerifier.withVirtualTime(() -> consumer(settings(3), slow, delivery).run(Mono.never()))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(3200))
                .verifyComplete();

        // Lock of 1 s renewed every 500 ms: at 0.5, 1.0, ... 3.0 s.
        assertThat(delivery.renewals).hasValue(6);
        assertThat(events).containsExactly("complete");
    }

    @Test
    void aDeliveryThatWaitedBeforeItsHandlerBeganIsRenewedBeforeWhatIsLeftOfItsLockRunsOut() {
        RecordingDelivery delivery = new RecordingDelivery(0);
        MessageHandler slow = (message, attempt) -> Mono.delay(Duration.ofMillis(300)).then();

        StepVerifier.withVirtualTime(() -> {
                    // A 1 s lock of which 800 ms went by before the handler got the delivery (buffered by the
                    // adapter, or handed over late by a busy machine).
                    delivery.lockedUntil = Instant.ofEpochMilli(Schedulers.parallel().now(TimeUnit.MILLISECONDS))
                            .plusMillis(200);
                    return consumer(settings(3), slow, delivery).run(Mono.never());
                })
                .expectSubscription()
                .thenAwait(Duration.ofMillis(150))
                .then(() -> assertThat(delivery.renewals).as("renewed at 100 ms, not first at 500 ms").hasValue(1))
                .thenAwait(Duration.ofMillis(150))
                .verifyComplete();

        assertThat(events).containsExactly("complete");
    }

    @Test
    void lostLockIsNotSettledAgain() {
        RecordingDelivery delivery = new RecordingDelivery(0);
        delivery.lockLost = true;

        StepVerifier.create(consumer(settings(3), (message, attempt) -> Mono.empty(), delivery).run(Mono.never()))
                .verifyComplete();

        assertThat(events).containsExactly("complete failed: lock lost");
    }

    @Test
    void handlerSeesItsAttempt() {
        List<MessageHandler.DeliveryAttempt> attempts = new CopyOnWriteArrayList<>();
        List<PipelineMessage> messages = new CopyOnWriteArrayList<>();

        StepVerifier.create(consumer(settings(4), (message, attempt) -> {
            messages.add(message);
            attempts.add(attempt);
            return Mono.empty();
        }, new RecordingDelivery(3)).run(Mono.never())).verifyComplete();

        assertThat(messages).containsExactly(TASK);
        assertThat(attempts).singleElement().satisfies(attempt -> {
            assertThat(attempt.deliveryCount()).isEqualTo(3);
            assertThat(attempt.isLast()).isTrue();
        });
    }

    @Test
    void aBatchIsHandledAsItsFactsAllAtOnceAndCompletedOnceEveryOneSucceeded() {
        List<PipelineMessage> handled = new CopyOnWriteArrayList<>();
        Sinks.Empty<Void> allArrived = Sinks.empty();
        // Each fact's handling ends only once all three have begun: handled one after another, they never would.
        MessageHandler handler = (message, attempt) -> Mono.defer(() -> {
            handled.add(message);
            if (handled.size() == BATCH.pages().size()) {
                allArrived.tryEmitEmpty();
            }
            return allArrived.asMono();
        });

        StepVerifier.create(consumer(settings(3), handler, batchDelivery(0)).run(Mono.never()))
                .expectComplete().verify(TIMEOUT);

        assertThat(handled).containsExactlyInAnyOrderElementsOf(BATCH.facts());
        assertThat(events).containsExactly("complete");
    }

    @Test
    void aTransientFailureOfOneFactRetriesTheWholeBatchEvenBesideAPoisonOne() {
        MessageHandler handler = (message, attempt) -> {
            int page = ((PageExtracted) message).pageNumber();
            return page == 1 ? Mono.error(new BadInputException("page-out-of-range", "page 1"))
                    : page == 2 ? Mono.error(new TransientException("blob-unavailable", "503")) : Mono.empty();
        };

        StepVerifier.withVirtualTime(() -> consumer(settings(5), handler, batchDelivery(0)).run(Mono.never()))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .verifyComplete();

        assertThat(events).containsExactly("abandon");
    }

    @Test
    void aPoisonFactDeadLettersTheBatchWithItsReasonOnceTheOtherFactsAreDone() {
        List<PipelineMessage> done = new CopyOnWriteArrayList<>();
        MessageHandler handler = (message, attempt) -> ((PageExtracted) message).pageNumber() == 2
                ? Mono.error(new BadInputException("page-out-of-range", "page 2 of 1"))
                : Mono.delay(Duration.ofMillis(50)).then(Mono.fromRunnable(() -> done.add(message)));

        StepVerifier.create(consumer(settings(3), handler, batchDelivery(0)).run(Mono.never())).expectComplete().verify(TIMEOUT);

        assertThat(done).hasSize(2);
        // The give-up hook hears of every fact of the batch, as if each had been delivered alone.
        assertThat(events).containsExactly("give-up page-out-of-range", "give-up page-out-of-range",
                "give-up page-out-of-range", "dead-letter page-out-of-range BadInputException: page 2 of 1");
    }

    @Test
    void aBatchFailingOnItsLastDeliveryIsDeadLettered() {
        MessageHandler handler = (message, attempt) -> ((PageExtracted) message).pageNumber() == 3
                ? Mono.error(new TransientException("blob-unavailable", "503")) : Mono.empty();

        StepVerifier.create(consumer(settings(3), handler, batchDelivery(2)).run(Mono.never())).expectComplete().verify(TIMEOUT);

        assertThat(events).endsWith("dead-letter blob-unavailable TransientException: 503");
    }

    @Test
    void gracefulStopLetsAnInFlightHandlerFinish() throws InterruptedException {
        RecordingDelivery delivery = new RecordingDelivery(0);
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();
        MessageHandler slow = (message, attempt) -> Mono.delay(Duration.ofMillis(300))
                .doOnSubscribe(subscription -> started.countDown())
                .doOnNext(tick -> finished.incrementAndGet())
                .then();
        MessageBus bus = busOf(Flux.concat(Flux.just(delivery), Flux.never()));
        QueueConsumer consumer = new QueueConsumer(bus, "pages", settings(3), slow);

        consumer.start();
        assertThat(started.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(consumer.isRunning()).isTrue();
        consumer.stop();

        assertThat(finished).hasValue(1);
        assertThat(events).containsExactly("complete");
        assertThat(consumer.isRunning()).isFalse();
        assertThat(consumer.inFlight()).isZero();
    }

    private static ConsumerSettings settings(int maxDeliveries) {
        return new ConsumerSettings(2, 0, maxDeliveries, Duration.ofMillis(500), Duration.ofSeconds(5),
                Duration.ofSeconds(5));
    }

    private RecordingDelivery batchDelivery(int deliveryCount) {
        return new RecordingDelivery(deliveryCount, MessageCodec.encode(BATCH).body());
    }

    private QueueConsumer consumer(ConsumerSettings settings, MessageHandler handler, RecordingDelivery delivery) {
        return new QueueConsumer(busOf(Flux.just(delivery)), "pages", settings, recordingGiveUps(handler));
    }

    private MessageHandler recordingGiveUps(MessageHandler handler) {
        return new MessageHandler() {
            @Override
            public Mono<Void> handle(PipelineMessage message, DeliveryAttempt attempt) {
                return handler.handle(message, attempt);
            }

            @Override
            public Mono<Void> onGiveUp(PipelineMessage message, String reason, String description) {
                return Mono.fromRunnable(() -> events.add("give-up " + reason));
            }
        };
    }

    private static MessageHandler failingWith(Function<PipelineMessage, RuntimeException> failure) {
        return (message, attempt) -> Mono.error(failure.apply(message));
    }

    private static MessageBus busOf(Flux<Delivery> deliveries) {
        return new MessageBus() {
            @Override
            public Mono<Void> publish(String queue, OutboundMessage message) {
                return Mono.empty();
            }

            @Override
            public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
                return Mono.empty();
            }

            @Override
            public Flux<Delivery> receive(String queue, ReceiveOptions options) {
                return deliveries;
            }
        };
    }

    /** A delivery that records how it was settled. */
    private final class RecordingDelivery implements Delivery {
        private final int deliveryCount;
        private final byte[] body;
        final AtomicInteger renewals = new AtomicInteger();
        /** When set, the lock's expiry; else always a lock duration from now. */
        volatile Instant lockedUntil;
        volatile boolean lockLost;

        RecordingDelivery(int deliveryCount) {
            this(deliveryCount, MessageCodec.encode(TASK).body());
        }

        RecordingDelivery(int deliveryCount, byte[] body) {
            this.deliveryCount = deliveryCount;
            this.body = body;
        }

        @Override
        public String messageId() {
            return TASK.messageId();
        }

        @Override
        public String type() {
            return TASK.type();
        }

        @Override
        public byte[] body() {
            return body;
        }

        @Override
        public Map<String, String> properties() {
            return Map.of();
        }

        @Override
        public int deliveryCount() {
            return deliveryCount;
        }

        @Override
        public Instant lockedUntil() {
            return lockedUntil != null ? lockedUntil : Instant.now().plus(lockDuration());
        }

        @Override
        public Duration lockDuration() {
            return Duration.ofSeconds(1);
        }

        @Override
        public Mono<Void> complete() {
            return settle("complete");
        }

        @Override
        public Mono<Void> abandon() {
            return settle("abandon");
        }

        @Override
        public Mono<Void> deadLetter(String reason, String description) {
            return settle("dead-letter " + reason + " " + description);
        }

        @Override
        public Mono<Instant> renewLock() {
            return Mono.fromCallable(() -> {
                renewals.incrementAndGet();
                return lockedUntil();
            });
        }

        private Mono<Void> settle(String event) {
            return Mono.defer(() -> {
                if (lockLost) {
                    events.add(event + " failed: lock lost");
                    return Mono.error(new LockLostException("lock lost"));
                }
                events.add(event);
                return Mono.empty();
            });
        }
    }
}
