package io.matterpipeline.bus.kafka;

import io.matterpipeline.bus.DeadLetters;
import io.matterpipeline.bus.MessageBus;
import java.util.Objects;

/**
 * The {@link MessageBus} on Apache Kafka (or Azure Event Hubs' Kafka endpoint), through reactor-kafka, with
 * {@link DeadLetters} operations on the dead-letter topics. Kafka has topics, offsets and consumer groups where
 * Service Bus has queues, locks and dead-letter sub-queues; this is how the bus contract is built from them:
 *
 * <ul>
 *   <li><b>Queues.</b> Queue {@code q} is topic {@code q}, with {@code q.retry} for abandoned records and
 *       {@code q.DLT} for dead letters (created on first use unless {@code create-topics=false}). Every consumer of
 *       {@code q} joins consumer group {@code <group-id-prefix>q} and reads {@code q} and {@code q.retry}; instances
 *       compete by partition. A new group starts at the earliest offset.</li>
 *   <li><b>Records.</b> The value is the message body; headers {@code id}, {@code type}, {@code schemaVersion},
 *       {@code traceparent} and the other message properties, UTF-8. The key is the Matter id on matter-keyed queues
 *       (one partition per Matter: results), else the message id ({@link KeyPolicy}).</li>
 *   <li><b>complete</b> acknowledges the offset; it is committed (every {@code commit-interval}) once every earlier
 *       record of its partition is settled too. At most {@code max-unsettled} settled records wait behind an
 *       unsettled one before the consumer pauses. A consumer that dies loses nothing: its uncommitted records go to
 *       the group again (with the delivery count they had: a crash is not counted).</li>
 *   <li><b>abandon</b> copies the record to {@code q.retry} with {@code delivery-count} + 1 and a {@code not-before}
 *       time ({@code redelivery-delay} ahead), then acknowledges it: the partition is never blocked. On the
 *       {@code max-delivery-count}th delivery it goes to {@code q.DLT} with reason {@code MaxDeliveryCountExceeded}
 *       instead.</li>
 *   <li><b>deadLetter</b> copies the record to {@code q.DLT} with headers {@code dead-letter-reason} and
 *       {@code dead-letter-description}, then acknowledges it. A record that cannot be turned into a delivery
 *       (no value, a header that is not UTF-8) goes there with reason {@code undecodable-record}, never stalling its
 *       partition; a value that is not a pipeline message is dead-lettered {@code malformed-message} by the
 *       consumer.</li>
 *   <li><b>Locks.</b> Kafka has none per record. A delivery carries a lease of {@code lock-duration} kept by this
 *       process: {@link io.matterpipeline.bus.Delivery#renewLock()} extends it (the queue consumer renews while its
 *       handler runs), and a lease that runs out abandons the delivery as above; settling it afterwards fails with
 *       {@link io.matterpipeline.bus.LockLostException}. reactor-kafka keeps polling (with partitions paused) while
 *       handlers run, so {@code max.poll.interval.ms} never fires for a slow handler: the lease is what bounds a hung
 *       one. If the partition moves to another member in a rebalance, this member first waits up to
 *       {@code rebalance-wait} for its unsettled deliveries; settling one later fails with LockLostException and the
 *       new owner gets the record again.</li>
 * </ul>
 *
 * <p>Dead letters cannot be deleted from a topic: replaying one publishes it to {@code q} again (same id and
 * properties, without the dead-letter headers and the delivery count) and then appends a marker record to
 * {@code q.DLT} naming its position; listing skips replayed records and markers. No transactions are used (and
 * reactor-kafka's {@code TransactionManager.sendOffsets(Map, String)} is missing from Kafka 4 clients: it must
 * never be called).
 */
public interface KafkaMessageBus extends MessageBus, DeadLetters, AutoCloseable {

    /**
     * A bus on the brokers the properties name; connects lazily, on the first send or receive.
     *
     * @throws IllegalArgumentException when neither bootstrap servers nor a connection string is set
     */
    static KafkaMessageBus create(KafkaBusProperties properties) {
        return new DefaultKafkaMessageBus(Objects.requireNonNull(properties, "properties"));
    }

    /** Closes the producer, every consumer and the admin client; later publishes and receives fail. */
    @Override
    void close();
}
