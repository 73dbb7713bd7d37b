package io.matterpipeline.bus;

import io.matterpipeline.error.PipelineException;
import io.matterpipeline.telemetry.ConsumerTelemetry;
import io.matterpipeline.telemetry.LogContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The one receive-handle-settle loop behind {@link QueueConsumer} (pipeline messages) and {@link RawQueueConsumer}
 * (bodies of foreign formats, such as Event Grid events): decoding is the only step that differs, so settlement, lock
 * renewal, backoff and graceful shutdown exist once.
 *
 * @param <T> what a delivery decodes to
 */
final class SettlingLoop<T> {

    /** What a consumer plugs into the loop. */
    interface Steps<T> {

        /** The delivery's message; throws a {@link PipelineException} when it is not one (it is dead-lettered). */
        T decode(Delivery delivery);

        /** A short name of the message for logs and checkpoints. */
        String describe(T message, Delivery delivery);

        /** Processes the message; completes when its effects are durable. */
        Mono<Void> handle(T message, MessageHandler.DeliveryAttempt attempt);

        /** Called once before the message is dead-lettered after its handler failed. */
        Mono<Void> onGiveUp(T message, String reason, String description);

        /** The ids the message is about, for its span and log lines ({@link LogContext}). */
        default Map<String, String> ids(T message) {
            return Map.of();
        }

        /**
         * The messages a batch delivery carries, each handled on its own; null when the delivery is one message
         * (the default).
         */
        default List<Part<T>> parts(T message) {
            return null;
        }
    }

    /**
     * One message of a batch delivery: what the handler gets, its id and type, and the traceparent it was sent with
     * (null: a child of the delivery's trace).
     */
    record Part<T>(T message, String messageId, String type, String traceparent) {
    }

    private final MessageBus bus;
    private final String queue;
    private final ConsumerSettings settings;
    private final Steps<T> steps;
    private final Logger log;
    private final AtomicLong inFlight = new AtomicLong();
    private volatile Sinks.Empty<Void> stopSignal;
    private volatile Disposable subscription;
    private volatile Sinks.Empty<Void> drained;
    private volatile ConsumerTelemetry telemetry = ConsumerTelemetry.none();

    SettlingLoop(MessageBus bus, String queue, ConsumerSettings settings, Steps<T> steps, Logger log) {
        this.bus = bus;
        this.queue = queue;
        this.settings = settings;
        this.steps = steps;
        this.log = log;
    }

    /** Reports spans, log context and metrics through this telemetry from now on. */
    void observeWith(ConsumerTelemetry telemetry) {
        this.telemetry = telemetry;
        telemetry.inFlight(queue, inFlight::get);
    }

    Flux<Void> run(Mono<Void> until) {
        return bus.receive(queue, new ReceiveOptions(settings.prefetch()))
                .takeUntilOther(until)
                .flatMap(this::process, settings.concurrency(), 1);
    }

    synchronized void start() {
        if (subscription != null) {
            return;
        }
        stopSignal = Sinks.empty();
        drained = Sinks.empty();
        Sinks.Empty<Void> done = drained;
        subscription = run(stopSignal.asMono())
                .doFinally(signal -> done.tryEmitEmpty())
                .subscribe(ignored -> { }, error -> log.error("Consumer of queue {} stopped on an error", queue, error));
        log.info("Consuming queue {} with concurrency {}", queue, settings.concurrency());
    }

    synchronized void stop() {
        if (subscription == null) {
            return;
        }
        stopSignal.tryEmitEmpty();
        // Draining waits for in-flight handlers; it runs on the caller's (shutdown) thread, never an event loop.
        Boolean finished = drained.asMono().thenReturn(true)
                .timeout(settings.shutdownGrace(), Mono.just(false))
                .block();
        if (!Boolean.TRUE.equals(finished)) {
            log.warn("Queue {}: {} deliveries still in flight after {}; their locks will expire and they will be "
                    + "redelivered", queue, inFlight.get(), settings.shutdownGrace());
            subscription.dispose();
        }
        subscription = null;
    }

    boolean isRunning() {
        return subscription != null;
    }

    long inFlight() {
        return inFlight.get();
    }

    private Mono<Void> process(Delivery delivery) {
        inFlight.incrementAndGet();
        return Mono.defer(() -> handleAndSettle(delivery))
                .onErrorResume(error -> {
                    // Settlement itself failed (lock lost, connection dropped): the broker redelivers; nothing to do.
                    log.warn("Queue {}: settling message {} failed: {}", queue, delivery.messageId(), error.toString());
                    return Mono.empty();
                })
                // Before the completion travels downstream: a stop() that saw the run drain must see zero in flight.
                .doOnTerminate(inFlight::decrementAndGet)
                .doOnCancel(inFlight::decrementAndGet)
                .contextWrite(context -> context.put(MessageBus.HANDLING_QUEUE, queue));
    }

    private Mono<Void> handleAndSettle(Delivery delivery) {
        T message;
        try {
            message = steps.decode(delivery);
        } catch (PipelineException poison) {
            log.warn("Queue {}: dead-lettering undecodable message {}: {}", queue, delivery.messageId(),
                    poison.getMessage());
            return telemetry.deadLettered(queue, poison.reason())
                    .then(delivery.deadLetter(poison.reason(), poison.getMessage()));
        }
        ConsumerTelemetry observed = telemetry;
        String name = steps.describe(message, delivery);
        MessageHandler.DeliveryAttempt attempt =
                new MessageHandler.DeliveryAttempt(delivery.deliveryCount(), settings.maxDeliveries());
        List<Part<T>> parts = steps.parts(message);
        Mono<Void> work = (parts == null
                ? observed.handler(queue, delivery.type(), Mono.defer(() -> steps.handle(message, attempt)))
                : handleParts(delivery, parts, attempt, observed))
                .checkpoint("handle " + name);
        return observed.observe(queue, delivery, steps.ids(message), withLockRenewal(delivery, work)
                .then(Mono.defer(delivery::complete))
                .onErrorResume(failure -> !(failure instanceof LockLostException),
                        failure -> settleFailure(delivery, message, name, attempt, failure)));
    }

    /**
     * Handles every part of a batch delivery at once (so a handler that groups what arrives together, such as the
     * aggregator's progress writes, sees them together), each in a span of its own continuing its own trace, timed
     * and counted like a delivery of its own. Fails once all have finished if any failed, with the failure that
     * decides the settlement of the whole delivery: a retryable one if there is one (the message is redelivered and
     * every part handled again, which idempotent handlers absorb), else the first (poison: dead-lettered with its
     * reason). Concurrency is the number of parts, which the message size bounds.
     */
    private Mono<Void> handleParts(Delivery delivery, List<Part<T>> parts, MessageHandler.DeliveryAttempt attempt,
            ConsumerTelemetry observed) {
        if (parts.isEmpty()) {
            return Mono.empty();
        }
        return Flux.fromIterable(parts)
                .flatMap(part -> observed.observePart(queue, delivery, part.messageId(), part.type(),
                                part.traceparent(), steps.ids(part.message()),
                                observed.handler(queue, part.type(),
                                        Mono.defer(() -> steps.handle(part.message(), attempt))))
                        .then(Mono.<Throwable>empty())
                        .onErrorResume(Mono::just), parts.size())
                .collectList()
                .flatMap(failures -> {
                    if (failures.isEmpty()) {
                        return Mono.empty();
                    }
                    if (failures.size() > 1) {
                        log.info("Queue {}: {} of the {} messages in {} failed", queue, failures.size(), parts.size(),
                                delivery.messageId());
                    }
                    return Mono.error(failures.stream()
                            .filter(failure -> Settlement.of(failure).action() == Settlement.Action.RETRY)
                            .findFirst()
                            .orElse(failures.get(0)));
                });
    }

    private Mono<Void> settleFailure(Delivery delivery, T message, String name,
            MessageHandler.DeliveryAttempt attempt, Throwable failure) {
        Settlement settlement = Settlement.of(failure);
        if (settlement.action() == Settlement.Action.RETRY && !attempt.isLast()) {
            Duration backoff = backoff(delivery.deliveryCount());
            log.info("Queue {}: message {} failed on delivery {} ({}); retrying in {}", queue, name,
                    delivery.deliveryCount() + 1, settlement.description(), backoff);
            return telemetry.retried(queue, settlement.reason())
                    .then(withLockRenewal(delivery, Mono.delay(backoff).then()))
                    .then(Mono.defer(delivery::abandon));
        }
        Settlement finalSettlement = settlement.giveUp();
        log.warn("Queue {}: giving up on message {} after {} deliveries: {} - {}", queue, name,
                delivery.deliveryCount() + 1, finalSettlement.reason(), finalSettlement.description());
        // The give-up hook publishes (a failure report downstream) and may outlast what is left of the lock: a lock
        // lost here would turn the handler's reason into the broker's MaxDeliveryCountExceeded on the next delivery.
        return withLockRenewal(delivery, steps.onGiveUp(message, finalSettlement.reason(),
                        finalSettlement.description())
                .then(telemetry.deadLettered(queue, finalSettlement.reason())))
                .then(Mono.defer(() -> delivery.deadLetter(finalSettlement.reason(), finalSettlement.description())));
    }

    /** Half of what is left of the delivery's lock, at most {@code every} (a clock ahead of the broker's). */
    private static Duration firstRenewal(Delivery delivery, Duration every) {
        Instant lockedUntil = delivery.lockedUntil();
        if (lockedUntil == null) {
            return every;
        }
        // The clock the renewal timer runs on (virtual in tests, like the in-memory bus's).
        Instant now = Instant.ofEpochMilli(Schedulers.parallel().now(TimeUnit.MILLISECONDS));
        Duration half = Duration.between(now, lockedUntil).dividedBy(2);
        return half.isNegative() ? Duration.ZERO : half.compareTo(every) > 0 ? every : half;
    }

    private Duration backoff(int deliveryCount) {
        long factor = 1L << Math.min(deliveryCount, 16);
        Duration delay = settings.retryBackoff().multipliedBy(factor);
        return delay.compareTo(settings.maxRetryBackoff()) > 0 ? settings.maxRetryBackoff() : delay;
    }

    /**
     * Runs {@code work} while renewing the delivery's lock every half lock duration, the first time halfway through
     * what is left of its current lock: a delivery that waited after it was locked (buffered by the adapter, or
     * handed over late by a busy machine) is renewed before its lock runs out, not a fixed time after work began.
     */
    private Mono<Void> withLockRenewal(Delivery delivery, Mono<Void> work) {
        Duration every = delivery.lockDuration().dividedBy(2);
        if (every.isZero() || every.isNegative()) {
            return work;
        }
        Flux<Object> renewals = Flux.defer(() -> Flux.interval(firstRenewal(delivery, every), every,
                        Schedulers.parallel()))
                .concatMap(tick -> delivery.renewLock()
                        .doOnError(error -> log.warn("Renewing the lock of {} failed: {}", delivery.messageId(),
                                error.toString()))
                        .onErrorResume(error -> Mono.empty()));
        return Mono.usingWhen(Mono.fromSupplier(() -> renewals.subscribe()),
                renewer -> work,
                renewer -> Mono.fromRunnable(renewer::dispose));
    }
}
