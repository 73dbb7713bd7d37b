package io.matterpipeline.metering;

import io.matterpipeline.bus.DeadLetter;
import io.matterpipeline.bus.DeadLetters;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.ReplayResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link MessageBus} that counts sends, received deliveries, settlements and lock renewals (at subscription: every
 * attempt of a retried operation counts). Dead-letter operations are passed through uncounted: they are operator
 * work, not the pipeline's.
 */
class CountingMessageBus implements MessageBus, AutoCloseable {

    private final MessageBus delegate;
    private final PortCounter counter;

    CountingMessageBus(MessageBus delegate, PortCounter counter) {
        this.delegate = delegate;
        this.counter = counter;
    }

    static MessageBus wrap(MessageBus bus, PortCounter counter) {
        return bus instanceof DeadLetters deadLetters
                ? new WithDeadLetters(bus, deadLetters, counter)
                : new CountingMessageBus(bus, counter);
    }

    @Override
    public Mono<Void> publish(String queue, OutboundMessage message) {
        return delegate.publish(queue, message).doOnSubscribe(subscription -> {
            counter.busSends.increment();
            counter.busMessagesSent.increment();
        });
    }

    @Override
    public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
        return delegate.publishAll(queue, messages).doOnSubscribe(subscription -> {
            counter.busSends.increment();
            counter.busMessagesSent.add(messages.size());
        });
    }

    @Override
    public Flux<Delivery> receive(String queue, ReceiveOptions options) {
        return delegate.receive(queue, options)
                .map(delivery -> {
                    counter.busReceives.increment();
                    return (Delivery) new CountingDelivery(delivery, counter);
                });
    }

    @Override
    public Mono<Void> probe(String queue) {
        return delegate.probe(queue);
    }

    @Override
    public void close() throws Exception {
        if (delegate instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    /** The same for a bus whose dead letters can be listed and replayed. */
    private static final class WithDeadLetters extends CountingMessageBus implements DeadLetters {

        private final DeadLetters deadLetters;

        WithDeadLetters(MessageBus delegate, DeadLetters deadLetters, PortCounter counter) {
            super(delegate, counter);
            this.deadLetters = deadLetters;
        }

        @Override
        public Flux<DeadLetter> list(String queue, int max) {
            return deadLetters.list(queue, max);
        }

        @Override
        public Mono<ReplayResult> replay(String queue, int max) {
            return deadLetters.replay(queue, max);
        }

        @Override
        public Mono<ReplayResult> replay(String queue, Set<String> messageIds) {
            return deadLetters.replay(queue, messageIds);
        }
    }

    /** A delivery whose settlement and lock renewals are counted. */
    private record CountingDelivery(Delivery delegate, PortCounter counter) implements Delivery {

        @Override
        public String messageId() {
            return delegate.messageId();
        }

        @Override
        public String type() {
            return delegate.type();
        }

        @Override
        public byte[] body() {
            return delegate.body();
        }

        @Override
        public Map<String, String> properties() {
            return delegate.properties();
        }

        @Override
        public int deliveryCount() {
            return delegate.deliveryCount();
        }

        @Override
        public Instant lockedUntil() {
            return delegate.lockedUntil();
        }

        @Override
        public Duration lockDuration() {
            return delegate.lockDuration();
        }

        @Override
        public Mono<Void> complete() {
            return delegate.complete().doOnSubscribe(subscription -> counter.busSettlements.increment());
        }

        @Override
        public Mono<Void> abandon() {
            return delegate.abandon().doOnSubscribe(subscription -> counter.busSettlements.increment());
        }

        @Override
        public Mono<Void> deadLetter(String reason, String description) {
            return delegate.deadLetter(reason, description)
                    .doOnSubscribe(subscription -> counter.busSettlements.increment());
        }

        @Override
        public Mono<Instant> renewLock() {
            return delegate.renewLock().doOnSubscribe(subscription -> counter.busLockRenewals.increment());
        }
    }
}
