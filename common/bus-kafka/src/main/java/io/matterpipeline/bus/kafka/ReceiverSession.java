package io.matterpipeline.bus.kafka;

import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.LockLostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.kafka.receiver.KafkaReceiver;
import reactor.kafka.receiver.ReceiverOptions;
import reactor.kafka.receiver.ReceiverPartition;
import reactor.kafka.receiver.ReceiverRecord;
import reactor.util.retry.Retry;

/**
 * One {@link io.matterpipeline.bus.MessageBus#receive} subscription: a group member reading the queue's topic and its
 * retry topic through a {@link KafkaReceiver} in manual-acknowledge mode with out-of-order commits (an offset is
 * committed once every earlier record of its partition is acknowledged; at most {@code max-unsettled} acknowledged
 * records wait for an earlier one, then the consumer pauses).
 *
 * <p>Records are handed out only on demand. A record of the retry topic waits for its {@code not-before} time without
 * holding up the records behind it. Cancelling the subscription stops handing out, but the consumer stays in the
 * group until every delivery it handed out is settled (or its lease ran out), so their offsets are committed before it
 * leaves; records fetched but never handed out are not acknowledged and go to the group again.
 */
final class ReceiverSession {

    private static final Logger log = LoggerFactory.getLogger(ReceiverSession.class);
    private static final Retry DEAD_LETTER_RETRY = Retry.backoff(5, Duration.ofSeconds(1));

    private final DefaultKafkaMessageBus bus;
    private final String queue;
    private final KafkaBusProperties properties;
    /** The assignment generation of each partition this member owns; guarded by itself. */
    private final Map<TopicPartition, Long> assignments = new HashMap<>();
    private final AtomicLong generations = new AtomicLong();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean cancelled;
    private volatile BaseSubscriber<KafkaDelivery> bridge;

    private final java.util.function.Consumer<ReceiverSession> onClosed;

    ReceiverSession(DefaultKafkaMessageBus bus, String queue, KafkaBusProperties properties,
            java.util.function.Consumer<ReceiverSession> onClosed) {
        this.onClosed = onClosed;
        this.bus = bus;
        this.queue = queue;
        this.properties = properties;
    }

    Flux<Delivery> deliveries(int prefetch) {
        return Flux.create(sink -> {
            Flux<KafkaDelivery> prepared = KafkaReceiver.create(receiverOptions(prefetch))
                    .receive(1)
                    .flatMap(this::prepare, properties.receiveBuffer() + prefetch);
            BaseSubscriber<KafkaDelivery> subscriber = new Bridge(sink);
            bridge = subscriber;
            prepared.subscribe(subscriber);
            sink.onRequest(subscriber::request);
            sink.onCancel(() -> {
                cancelled = true;
                closeIfIdle();
            });
            sink.onDispose(() -> {
                if (!cancelled) {
                    // Completed or failed: nothing more will be settled through this member.
                    close();
                }
            });
        });
    }

    /** Closes the consumer now, whatever is outstanding (the bus is closing). */
    void close() {
        cancelled = true;
        if (closing.compareAndSet(false, true)) {
            if (bridge != null) {
                bridge.dispose();
            }
            onClosed.accept(this);
        }
    }

    /** Whether the consumer closed: settling through it is pointless, its unsettled records go to the group. */
    boolean isClosed() {
        return closing.get();
    }

    // ---- settlement, called by KafkaDelivery ----

    boolean owns(KafkaDelivery delivery) {
        synchronized (assignments) {
            Long current = assignments.get(delivery.partition());
            return current != null && current == delivery.assignment();
        }
    }

    void acknowledge(KafkaDelivery delivery) {
        synchronized (assignments) {
            if (!owns(delivery)) {
                throw new LockLostException("Record " + delivery.messageId() + ": partition " + delivery.partition()
                        + " moved to another consumer before it was settled");
            }
            delivery.record().receiverOffset().acknowledge();
        }
    }

    /** To the retry topic with one more delivery, or to the dead-letter topic once the budget is spent. */
    Mono<Void> redeliver(KafkaDelivery delivery) {
        int deliveries = delivery.deliveryCount() + 1;
        if (deliveries >= properties.maxDeliveryCount()) {
            return bus.send(RecordMapping.copy(delivery.record(), Topics.deadLetter(queue), deadLetterHeaders(
                    "MaxDeliveryCountExceeded", "Delivered " + deliveries + " times (max-delivery-count "
                            + properties.maxDeliveryCount() + ") without being completed", deliveries)));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(RecordMapping.DELIVERY_COUNT, String.valueOf(deliveries));
        headers.put(RecordMapping.NOT_BEFORE, Instant.now().plus(properties.redeliveryDelay()).toString());
        return bus.send(RecordMapping.copy(delivery.record(), Topics.retry(queue), headers));
    }

    Mono<Void> deadLetter(KafkaDelivery delivery, String reason, String description) {
        Map<String, String> headers = deadLetterHeaders(reason, description, delivery.deliveryCount());
        // A foreign record without an id keeps the one it was delivered under (its original position).
        headers.put(RecordMapping.ID, delivery.messageId());
        return bus.send(RecordMapping.copy(delivery.record(), Topics.deadLetter(queue), headers));
    }

    void settled(KafkaDelivery delivery) {
        outstanding.decrementAndGet();
        closeIfIdle();
    }

    void leaseExpiryFailed(KafkaDelivery delivery, Throwable failure) {
        if (!(failure instanceof LockLostException)) {
            log.warn("Queue {}: abandoning record {} after its lease ran out failed: {}", queue,
                    delivery.messageId(), failure.toString());
        }
    }

    // ---- receiving ----

    private ReceiverOptions<byte[], byte[]> receiverOptions(int prefetch) {
        Map<String, Object> config = ClientConfig.common(properties);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.groupIdPrefix() + queue);
        // A new group starts at the beginning: nothing published before the first consumer started is lost.
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // Sticky: a member joining does not take partitions whose records another member is still handling.
        config.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                CooperativeStickyAssignor.class.getName());
        config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.receiveBuffer() + prefetch);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return ReceiverOptions.<byte[], byte[]>create(config)
                .subscription(Topics.consumed(queue))
                .commitInterval(properties.commitInterval())
                .commitBatchSize(0)
                .maxDeferredCommits(properties.maxUnsettled())
                .maxDelayRebalance(properties.rebalanceWait())
                .commitIntervalDuringDelay(50)
                .addAssignListener(this::assigned)
                .addRevokeListener(this::revoked);
    }

    private void assigned(Collection<ReceiverPartition> partitions) {
        synchronized (assignments) {
            for (ReceiverPartition partition : partitions) {
                assignments.put(partition.topicPartition(), generations.incrementAndGet());
            }
        }
        log.debug("Queue {}: assigned {}", queue, partitions);
    }

    private void revoked(Collection<ReceiverPartition> partitions) {
        synchronized (assignments) {
            for (ReceiverPartition partition : partitions) {
                assignments.remove(partition.topicPartition());
            }
        }
        log.debug("Queue {}: revoked {}", queue, partitions);
    }

    /** The delivery for a record, when it is due; undecodable records go to the dead-letter topic instead. */
    private Mono<KafkaDelivery> prepare(ReceiverRecord<byte[], byte[]> record) {
        RecordMapping.Decoded decoded;
        try {
            if (record.value() == null) {
                throw new RecordMapping.UndecodableRecordException("The record has no value");
            }
            decoded = RecordMapping.decode(record);
        } catch (RecordMapping.UndecodableRecordException undecodable) {
            return deadLetterUndecodable(record, undecodable).then(Mono.empty());
        }
        long assignment;
        synchronized (assignments) {
            assignment = assignments.getOrDefault(record.receiverOffset().topicPartition(), -1L);
        }
        KafkaDelivery delivery = new KafkaDelivery(this, record, decoded, assignment, properties.lockDuration());
        Instant notBefore = decoded.notBefore();
        if (notBefore != null) {
            Duration wait = Duration.between(Instant.now(), notBefore);
            if (!wait.isNegative() && !wait.isZero()) {
                return Mono.delay(wait).thenReturn(delivery);
            }
        }
        return Mono.just(delivery);
    }

    private Mono<Void> deadLetterUndecodable(ReceiverRecord<byte[], byte[]> record,
            RecordMapping.UndecodableRecordException undecodable) {
        log.warn("Queue {}: record {} of {} cannot be decoded ({}); dead-lettering it", queue,
                RecordMapping.position(record), record.topic(), undecodable.getMessage());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(RecordMapping.REASON, RecordMapping.UndecodableRecordException.REASON);
        if (record.headers().lastHeader(RecordMapping.ID) == null) {
            headers.put(RecordMapping.ID, record.topic() + "-" + record.partition() + "@" + record.offset());
        }
        headers.put(RecordMapping.DESCRIPTION, undecodable.getMessage() + " (" + record.topic() + " "
                + RecordMapping.position(record) + ")");
        return bus.send(RecordMapping.copy(record, Topics.deadLetter(queue), headers))
                .retryWhen(DEAD_LETTER_RETRY)
                .then(Mono.fromRunnable(() -> record.receiverOffset().acknowledge()))
                .onErrorResume(failure -> {
                    // Left unacknowledged: it comes back when the partition is next assigned.
                    log.error("Queue {}: could not dead-letter undecodable record {} of {}", queue,
                            RecordMapping.position(record), record.topic(), failure);
                    return Mono.empty();
                })
                .then();
    }

    private static Map<String, String> deadLetterHeaders(String reason, String description, int deliveryCount) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(RecordMapping.REASON, reason);
        headers.put(RecordMapping.DESCRIPTION, description);
        headers.put(RecordMapping.DELIVERY_COUNT, String.valueOf(deliveryCount));
        headers.put(RecordMapping.NOT_BEFORE, null);
        return headers;
    }

    private void closeIfIdle() {
        if (cancelled && outstanding.get() <= 0) {
            close();
        }
    }

    /** Hands records out only as the subscriber asks; a record is outstanding from then until it is settled. */
    private final class Bridge extends BaseSubscriber<KafkaDelivery> {

        private final FluxSink<Delivery> sink;

        Bridge(FluxSink<Delivery> sink) {
            this.sink = sink;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            // Demand comes from the sink's requests only.
        }

        @Override
        protected void hookOnNext(KafkaDelivery delivery) {
            if (cancelled) {
                return;
            }
            outstanding.incrementAndGet();
            delivery.handOut();
            sink.next(delivery);
        }

        @Override
        protected void hookOnError(Throwable error) {
            sink.error(error);
        }

        @Override
        protected void hookOnComplete() {
            sink.complete();
        }
    }
}
