package io.matterpipeline.bus.memory;

import io.matterpipeline.bus.DeadLetter;
import io.matterpipeline.bus.DeadLetters;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.ReplayResult;
import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The in-memory bus's dead letters as the dead-letter sweeps read them (the aggregator's, ingest's), so they also run
 * in the single-JVM mode: a fact the aggregator could not even give up on (its store still failing then) ends there with
 * {@code MaxDeliveryCountExceeded} once its lock expires. Listing only: replaying is the bus's own
 * {@link InMemoryMessageBus#replayDeadLetters}.
 */
public final class InMemoryDeadLetters implements DeadLetters {

    private final InMemoryMessageBus bus;

    public InMemoryDeadLetters(InMemoryMessageBus bus) {
        this.bus = bus;
    }

    /** The dead letters of {@code bus} when it is the in-memory bus; null for any other (which lists its own). */
    public static DeadLetters of(MessageBus bus) {
        return bus instanceof InMemoryMessageBus memory ? new InMemoryDeadLetters(memory) : null;
    }

    @Override
    public Flux<DeadLetter> list(String queue, int max) {
        return Flux.defer(() -> Flux.fromIterable(bus.deadLetters(queue)))
                .index()
                .take(max)
                .map(indexed -> {
                    var letter = indexed.getT2();
                    // The position in the dead-letter queue tells two dead letters of one message id apart.
                    return new DeadLetter(queue, letter.messageId(), letter.type(), letter.body(),
                            letter.properties(), letter.reason(), letter.description(), letter.deliveryCount(),
                            letter.deadLetteredAt(), indexed.getT1() + 1);
                });
    }

    @Override
    public Mono<ReplayResult> replay(String queue, int max) {
        return Mono.error(new UnsupportedOperationException("replay with InMemoryMessageBus.replayDeadLetters"));
    }

    @Override
    public Mono<ReplayResult> replay(String queue, Set<String> messageIds) {
        return Mono.error(new UnsupportedOperationException("replay with InMemoryMessageBus.replayDeadLetters"));
    }
}
