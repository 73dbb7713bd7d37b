package io.matterpipeline.bus;

import java.util.Set;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Operating dead-lettered messages: inspect them, and after the cause was fixed, send them back to their queue.
 * Replaying keeps the body, the application properties (except the dead-letter reason and description) and the
 * message id, so the pipeline's idempotent handlers treat a replayed message like any redelivery.
 *
 * <p>A replayed message is first published to the queue and only then removed from the dead-letter queue: a failure
 * in between leaves it in both, which at-least-once handlers tolerate.
 */
public interface DeadLetters {

    /** Up to {@code max} dead-lettered messages of a queue, oldest first, without locking or removing them. */
    Flux<DeadLetter> list(String queue, int max);

    /** Replays the oldest {@code max} dead-lettered messages of a queue. */
    Mono<ReplayResult> replay(String queue, int max);

    /** Replays the dead-lettered messages of a queue with these message ids; ids not found are ignored. */
    Mono<ReplayResult> replay(String queue, Set<String> messageIds);
}
