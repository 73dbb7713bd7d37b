package io.matterpipeline.assemble.sentinel;

import java.time.Instant;
import reactor.core.publisher.Mono;

/** What the {@link MatterWatchdog} asks of the aggregator about one sealed Matter. */
public interface StalledMatters {

    /** Where a sealed Matter stands, as the stored progress says. */
    Mono<State> state(String matterId);

    /** Runs the Matter's follow-up steps again (document results, Matter result, MatterCompleted), as a redelivery would. */
    Mono<Void> finish(String matterId);

    /** Ends the Matter FAILED with {@code reason}: a small FAILED result, the final status, MatterCompleted. */
    Mono<Void> fail(String matterId, String reason, String description);

    /**
     * @param phase where the Matter is
     * @param settledAt when its last page or document settled (the newest progress write); set when
     *     {@link Phase#SETTLED}
     */
    record State(Phase phase, Instant settledAt) {

        public static final State GONE = new State(Phase.GONE, null);
        public static final State FINAL = new State(Phase.FINAL, null);
        public static final State OPEN = new State(Phase.OPEN, null);
    }

    /** The phases the watchdog tells apart. */
    enum Phase {
        /** No progress, or not sealed: nothing to watch (deleted, or never sealed here). */
        GONE,
        /** Pages or documents are still being read. */
        OPEN,
        /** Every page and document settled, yet the Matter is not final: its result is missing. */
        SETTLED,
        /** Final: its result is written. */
        FINAL
    }
}
