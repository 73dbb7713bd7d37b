package io.matterpipeline.assemble.sentinel;

import io.matterpipeline.bus.DeadLetter;
import io.matterpipeline.bus.DeadLetterSweepSettings;
import io.matterpipeline.bus.DeadLetters;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.Periodic;
import io.matterpipeline.bus.RecentKeys;
import io.matterpipeline.bus.memory.InMemoryDeadLetters;
import io.matterpipeline.contract.DocumentFailed;
import io.matterpipeline.contract.DocumentReceived;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageFailed;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.error.PipelineException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Turns dead-lettered work into failure facts, so no Matter waits forever on a message nobody will process.
 *
 * <p>A handler that fails on its last delivery publishes PageFailed / DocumentFailed itself. But a message can reach
 * the dead-letter queue without any handler getting that far: a worker process killed on it on every delivery
 * (out of memory on one page, a crashing native library) makes the broker move it after the max delivery count
 * ({@code MaxDeliveryCountExceeded}). The sweep looks at the dead-letter queues of the documents and pages queues and
 * publishes the matching failure fact with its deterministic id — a duplicate of one the handler already published
 * changes nothing. The same can happen to a fact on the results queue (an aggregator dying on it every time): a
 * dead letter of the results queue is handed to {@link LostFacts}, which fails in place whatever the fact would have
 * settled and the progress does not show settled yet (a page recorded as read stays read). The dead letters stay
 * where they are, for an operator to inspect and replay.
 */
public final class DeadLetterSweep extends Periodic {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterSweep.class);

    private final DeadLetters deadLetters;
    private final MessageBus bus;
    private final List<String> queues;
    private final String resultsQueue;
    private final LostFacts lostFacts;
    private final DeadLetterSweepSettings settings;
    private final RecentKeys reported;

    /**
     * @param deadLetters the bus's dead-letter operations ({@link InMemoryDeadLetters} for the in-memory bus); null where
     *     the bus has none: the sweep then never runs
     * @param queues the queues whose dead letters are swept; the results queue among them goes to {@code lostFacts}
     * @param lostFacts ends what a fact dead-lettered on the results queue would have settled
     */
    public DeadLetterSweep(DeadLetters deadLetters, MessageBus bus, List<String> queues, String resultsQueue,
            LostFacts lostFacts, DeadLetterSweepSettings settings) {
        super("Dead-letter sweep", settings.interval(), settings.enabled() && deadLetters != null, log);
        this.deadLetters = deadLetters;
        this.bus = bus;
        this.queues = List.copyOf(queues);
        this.resultsQueue = resultsQueue;
        this.lostFacts = lostFacts;
        this.settings = settings;
        this.reported = new RecentKeys(settings.remembered());
    }

    /** One pass over the dead-letter queues; emits how many failure facts were published or recorded. */
    public Mono<Long> sweep() {
        return Flux.fromIterable(queues)
                .concatMap(queue -> deadLetters.list(queue, settings.batch())
                        .onErrorResume(error -> {
                            log.warn("Listing the dead letters of {} failed: {}", queue, error.toString());
                            return Flux.empty();
                        }))
                .filter(letter -> !reported.contains(RecentKeys.of(letter)))
                .concatMap(letter -> letter.queue().equals(resultsQueue) ? lostFact(letter) : failureFact(letter)
                        .map(fact -> bus.publish(resultsQueue, MessageCodec.encode(fact))
                                .doOnSuccess(ignored -> {
                                    reported.add(RecentKeys.of(letter));
                                    log.warn("Dead-lettered {} on {} ({}): published {}", letter.messageId(),
                                            letter.queue(), letter.reason(), fact.messageId());
                                })
                                .thenReturn(1L))
                        .orElseGet(() -> {
                            reported.add(RecentKeys.of(letter));
                            return Mono.just(0L);
                        }))
                .reduce(0L, Long::sum);
    }

    /**
     * Fails what a fact dead-lettered on the results queue would have settled; a failure to do so is logged and the
     * letter looked at again by the next sweep.
     */
    private Mono<Long> lostFact(DeadLetter letter) {
        PipelineMessage message;
        try {
            message = MessageCodec.decode(letter.body());
        } catch (PipelineException undecodable) {
            reported.add(RecentKeys.of(letter));
            return Mono.just(0L);
        }
        String description = "after " + letter.deliveryCount() + " deliveries"
                + (letter.description() == null ? "" : ": " + letter.description());
        return lostFacts.settle(message, letter.reason(), description)
                .doOnSuccess(recorded -> {
                    reported.add(RecentKeys.of(letter));
                    if (recorded > 0) {
                        log.warn("Dead-lettered {} on {} ({}): recorded {} failures", letter.messageId(),
                                letter.queue(), letter.reason(), recorded);
                    }
                })
                .map(Integer::longValue)
                .onErrorResume(error -> {
                    log.warn("Settling the dead-lettered {} on {} failed: {}", letter.messageId(), letter.queue(),
                            error.toString());
                    return Mono.just(0L);
                });
    }

    /** The fact that settles the dead-lettered work, if it is work of a Matter. */
    private static Optional<PipelineMessage> failureFact(DeadLetter letter) {
        PipelineMessage message;
        try {
            message = MessageCodec.decode(letter.body());
        } catch (PipelineException undecodable) {
            return Optional.empty();
        }
        String reason = letter.failureReason();
        String description = letter.failureDescription();
        if (message instanceof PageTask task) {
            return Optional.of(new PageFailed(task.matterId(), task.documentId(), task.pageNumber(),
                    reason, description));
        }
        if (message instanceof DocumentReceived received) {
            return Optional.of(new DocumentFailed(received.matterId(), received.documentId(), reason,
                    description));
        }
        return Optional.empty();
    }

    @Override
    protected Mono<?> pass() {
        return sweep();
    }
}
