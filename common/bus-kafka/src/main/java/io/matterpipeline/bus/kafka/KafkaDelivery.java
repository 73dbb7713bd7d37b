package io.matterpipeline.bus.kafka;

import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.LockLostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.kafka.receiver.ReceiverRecord;

/**
 * One record handed out under a lease. Settling runs at most once: it first writes whatever copy the settlement
 * needs (retry or dead-letter topic), then acknowledges the offset, which is committed once every earlier record of
 * the partition is settled. A lease that runs out before the delivery is settled or renewed abandons it; settling it
 * later fails with {@link LockLostException}, as does settling after its partition moved to another consumer.
 */
final class KafkaDelivery implements Delivery {

    /** After a failed settlement (broker unreachable), how soon the lease expiry tries to abandon again. */
    private static final Duration SETTLE_RETRY = Duration.ofSeconds(1);

    private enum State { OPEN, SETTLING, SETTLED, LOST }

    private final ReceiverSession session;
    private final ReceiverRecord<byte[], byte[]> record;
    private final RecordMapping.Decoded decoded;
    private final long assignment;
    private final Duration lockDuration;
    private State state = State.OPEN;
    private Instant lockedUntil;
    private Disposable expiry;

    KafkaDelivery(ReceiverSession session, ReceiverRecord<byte[], byte[]> record, RecordMapping.Decoded decoded,
            long assignment, Duration lockDuration) {
        this.session = session;
        this.record = record;
        this.decoded = decoded;
        this.assignment = assignment;
        this.lockDuration = lockDuration;
        this.lockedUntil = Instant.now().plus(lockDuration);
    }

    /** Starts the lease: called when the delivery is handed to the subscriber. */
    synchronized void handOut() {
        lockedUntil = Instant.now().plus(lockDuration);
        scheduleExpiry(lockDuration);
    }

    ReceiverRecord<byte[], byte[]> record() {
        return record;
    }

    TopicPartition partition() {
        return record.receiverOffset().topicPartition();
    }

    long assignment() {
        return assignment;
    }

    @Override
    public String messageId() {
        return decoded.messageId();
    }

    @Override
    public String type() {
        return decoded.type();
    }

    @Override
    public byte[] body() {
        return record.value();
    }

    @Override
    public Map<String, String> properties() {
        return decoded.properties();
    }

    @Override
    public int deliveryCount() {
        return decoded.deliveryCount();
    }

    @Override
    public synchronized Instant lockedUntil() {
        return lockedUntil;
    }

    @Override
    public Duration lockDuration() {
        return lockDuration;
    }

    @Override
    public Mono<Void> complete() {
        return settle(false, Mono::empty);
    }

    @Override
    public Mono<Void> abandon() {
        return settle(false, () -> session.redeliver(this));
    }

    @Override
    public Mono<Void> deadLetter(String reason, String description) {
        return settle(false, () -> session.deadLetter(this, reason, description));
    }

    /** Extends the lease: Kafka itself holds no lock, the consumer process does. */
    @Override
    public Mono<Instant> renewLock() {
        return Mono.fromCallable(() -> {
            synchronized (this) {
                if (state != State.OPEN || Instant.now().isAfter(lockedUntil)) {
                    throw lockLost("its lease expired or it was settled");
                }
                lockedUntil = Instant.now().plus(lockDuration);
                scheduleExpiry(lockDuration);
                return lockedUntil;
            }
        });
    }

    private Mono<Void> settle(boolean expired, Supplier<Mono<Void>> copy) {
        return Mono.defer(() -> {
            if (!claim(expired)) {
                return Mono.error(lockLost(expired ? "it was settled" : "its lease expired or it was settled"));
            }
            if (!session.owns(this)) {
                finish(State.LOST);
                return Mono.error(lockLost("its partition " + partition() + " moved to another consumer"));
            }
            return copy.get()
                    .then(Mono.fromRunnable(() -> session.acknowledge(this)))
                    .doOnSuccess(done -> finish(expired ? State.LOST : State.SETTLED))
                    .doOnError(LockLostException.class, lost -> finish(State.LOST))
                    .doOnError(failure -> !(failure instanceof LockLostException), failure -> release())
                    .then();
        });
    }

    private synchronized boolean claim(boolean expired) {
        if (state != State.OPEN || (!expired && Instant.now().isAfter(lockedUntil))) {
            return false;
        }
        state = State.SETTLING;
        if (expiry != null) {
            expiry.dispose();
        }
        return true;
    }

    private void finish(State finalState) {
        synchronized (this) {
            state = finalState;
        }
        session.settled(this);
    }

    /** The copy could not be written: open again; the lease expiry tries again (the offset stays uncommitted). */
    private synchronized void release() {
        if (session.isClosed()) {
            // The consumer is gone: the uncommitted record goes to the group again.
            state = State.LOST;
            return;
        }
        state = State.OPEN;
        Duration untilExpiry = Duration.between(Instant.now(), lockedUntil);
        scheduleExpiry(untilExpiry.compareTo(SETTLE_RETRY) < 0 ? SETTLE_RETRY : untilExpiry);
    }

    private void scheduleExpiry(Duration after) {
        if (expiry != null) {
            expiry.dispose();
        }
        expiry = Schedulers.parallel().schedule(this::expire, after.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void expire() {
        synchronized (this) {
            if (state != State.OPEN || session.isClosed()) {
                return;
            }
            Instant now = Instant.now();
            if (now.isBefore(lockedUntil)) {
                // Renewed meanwhile, or the timer fired early.
                scheduleExpiry(Duration.between(now, lockedUntil).plusMillis(1));
                return;
            }
        }
        settle(true, () -> session.redeliver(this))
                .subscribe(null, failure -> session.leaseExpiryFailed(this, failure));
    }

    private LockLostException lockLost(String why) {
        return new LockLostException("Record " + messageId() + " (" + RecordMapping.position(record) + " of "
                + record.topic() + ") can no longer be settled: " + why);
    }
}
