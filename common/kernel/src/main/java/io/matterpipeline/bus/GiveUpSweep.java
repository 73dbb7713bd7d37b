package io.matterpipeline.bus;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Gives up, after the fact, on the messages of raw queues that the broker dead-lettered without their consumer's
 * give-up: a consumer process killed on a message at every delivery never reaches its last one, so the broker moves
 * the message after its max delivery count ({@code MaxDeliveryCountExceeded}) and nothing records what the give-up
 * would have (ingest: the document an add-document request named, FAILED, so that its Matter does not wait forever).
 * Each pass lists the dead letters of every consumer's queue and hands each one not handled yet to
 * {@link RawQueueConsumer#giveUp}, which is idempotent: a letter the consumer gave up on itself, or handled by another
 * instance's sweep, changes nothing. A letter whose give-up fails is looked at again by the next pass. The dead letters
 * stay where they are, for an operator to inspect and replay.
 */
public final class GiveUpSweep extends Periodic {

    private static final Logger log = LoggerFactory.getLogger(GiveUpSweep.class);

    private final DeadLetters deadLetters;
    private final List<RawQueueConsumer> consumers;
    private final DeadLetterSweepSettings settings;
    private final RecentKeys handled;

    /**
     * @param deadLetters the bus's dead-letter operations; null where the bus has none: the sweep then never runs
     * @param consumers the consumers whose queues are swept
     */
    public GiveUpSweep(DeadLetters deadLetters, List<RawQueueConsumer> consumers, DeadLetterSweepSettings settings) {
        super("Give-up sweep", settings.interval(), settings.enabled() && deadLetters != null && !consumers.isEmpty(),
                log);
        this.deadLetters = deadLetters;
        this.consumers = List.copyOf(consumers);
        this.settings = settings;
        this.handled = new RecentKeys(settings.remembered());
    }

    /** One pass over the consumers' dead-letter queues; emits how many dead letters were given up on. */
    public Mono<Long> sweep() {
        return Flux.fromIterable(consumers)
                .concatMap(consumer -> deadLetters.list(consumer.queue(), settings.batch())
                        .onErrorResume(error -> {
                            log.warn("Listing the dead letters of {} failed: {}", consumer.queue(), error.toString());
                            return Flux.empty();
                        })
                        .filter(letter -> !handled.contains(RecentKeys.of(letter)))
                        .concatMap(letter -> consumer.giveUp(letter)
                                .then(Mono.fromCallable(() -> {
                                    handled.add(RecentKeys.of(letter));
                                    log.info("Dead-lettered {} on {} ({}): given up on", letter.messageId(),
                                            letter.queue(), letter.reason());
                                    return 1L;
                                }))
                                .onErrorResume(error -> {
                                    log.warn("Giving up on the dead-lettered {} on {} failed: {}",
                                            letter.messageId(), letter.queue(), error.toString());
                                    return Mono.just(0L);
                                })))
                .reduce(0L, Long::sum);
    }

    @Override
    protected Mono<?> pass() {
        return sweep();
    }
}
