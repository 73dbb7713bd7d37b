package io.matterpipeline.bus.servicebus;

import com.azure.messaging.servicebus.ServiceBusReceivedMessage;
import com.azure.messaging.servicebus.models.DeadLetterOptions;
import io.matterpipeline.bus.Delivery;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/** A peek-locked Service Bus message; settles through the receiver that received it. */
final class ServiceBusDelivery implements Delivery {

    private static final Logger log = LoggerFactory.getLogger(ServiceBusDelivery.class);
    private static final int SETTLE_RETRIES = 2;
    private static final Duration SETTLE_RETRY_DELAY = Duration.ofMillis(50);

    private final ReceiverSession session;
    private final ServiceBusReceivedMessage message;
    private final Map<String, String> properties;
    private final Duration lockDuration;
    private final Duration settleTimeout;
    private final Consumer<Duration> lockDurationObserved;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile Instant lockedUntil;

    ServiceBusDelivery(ReceiverSession session, ServiceBusReceivedMessage message, Duration lockDuration,
            Duration settleTimeout, Consumer<Duration> lockDurationObserved) {
        this.session = session;
        this.message = message;
        this.properties = Map.copyOf(MessageMapping.properties(message));
        this.lockDuration = lockDuration;
        this.settleTimeout = settleTimeout;
        this.lockDurationObserved = lockDurationObserved;
        OffsetDateTime until = message.getLockedUntil();
        this.lockedUntil = until == null ? Instant.now().plus(lockDuration) : until.toInstant();
    }

    @Override
    public String messageId() {
        return message.getMessageId();
    }

    @Override
    public String type() {
        return MessageMapping.type(message);
    }

    @Override
    public byte[] body() {
        return message.getBody().toBytes();
    }

    @Override
    public Map<String, String> properties() {
        return properties;
    }

    @Override
    public int deliveryCount() {
        // The SDK reports the AMQP header's delivery-count: failed attempts before this one, 0 on the first.
        return (int) message.getDeliveryCount();
    }

    @Override
    public Instant lockedUntil() {
        return lockedUntil;
    }

    @Override
    public Duration lockDuration() {
        return lockDuration;
    }

    @Override
    public Mono<Void> complete() {
        return settle(Mono.defer(() -> session.client().complete(message)));
    }

    @Override
    public Mono<Void> abandon() {
        return settle(Mono.defer(() -> session.client().abandon(message)));
    }

    @Override
    public Mono<Void> deadLetter(String reason, String description) {
        DeadLetterOptions options = new DeadLetterOptions().setDeadLetterReason(reason)
                .setDeadLetterErrorDescription(description);
        return settle(Mono.defer(() -> session.client().deadLetter(message, options)));
    }

    @Override
    public Mono<Instant> renewLock() {
        return Mono.defer(() -> {
            Instant requested = Instant.now();
            return session.client().renewMessageLock(message).map(until -> {
                Instant renewed = until.toInstant();
                lockedUntil = renewed;
                // A renewal extends to now + the queue's lock duration: the best measure of it we get.
                lockDurationObserved.accept(Duration.between(requested, renewed));
                return renewed;
            });
        }).onErrorMap(ServiceBusErrors::translate);
    }

    private Mono<Void> settle(Mono<Void> settlement) {
        AtomicBoolean outcomeUnknown = new AtomicBoolean();
        return settlement
                // A settlement racing with the close of its receive link (the subscriber cancelled) fails in the SDK
                // or goes unanswered, applied or not; tried again, it goes through $management by lock token.
                .timeout(settleTimeout, Mono.error(() -> ServiceBusErrors.settleTimedOut(settleTimeout)))
                .doOnError(error -> outcomeUnknown.compareAndSet(false, ServiceBusErrors.isRetriable(error)))
                .retryWhen(Retry.backoff(SETTLE_RETRIES, SETTLE_RETRY_DELAY).filter(ServiceBusErrors::isRetriable)
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                // The retry finds no lock: the first try was applied, or the lock expired and the broker redelivers.
                // Either way the message is not lost and handlers are idempotent: report it settled.
                .onErrorResume(error -> outcomeUnknown.get() && ServiceBusErrors.isLockLost(error), error -> {
                    log.debug("Settling {} again found no lock; the first try was applied or the lock expired",
                            this);
                    return Mono.empty();
                })
                .onErrorMap(ServiceBusErrors::translate)
                .doFinally(signal -> {
                    // Whatever the outcome, this delivery needs its receiver no more (a failed settlement is
                    // redelivered by the broker when the lock expires).
                    if (settled.compareAndSet(false, true)) {
                        session.settled();
                    }
                });
    }

    @Override
    public String toString() {
        return "ServiceBusDelivery[queue=" + session.queue() + ", messageId=" + messageId() + ", deliveryCount="
                + deliveryCount() + ", sequenceNumber=" + message.getSequenceNumber() + "]";
    }
}
