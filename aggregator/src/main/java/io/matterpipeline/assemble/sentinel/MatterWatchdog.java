package io.matterpipeline.assemble.sentinel;

import io.matterpipeline.bus.Periodic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Finishes, or fails, a Matter whose pages have all settled but whose result is missing: its last message was
 * dead-lettered after the process handling it died every time (out of memory in the final assembly), or its final
 * step failed in a way no redelivery repeats. Every {@code interval} it looks at the {@link WatchList}; a Matter
 * settled for longer than {@code stall-after} without a result gets its follow-up steps run again; after
 * {@code max-attempts} (each counted durably before it starts, so an attempt that kills the process counts) it ends
 * FAILED with reason {@value #GAVE_UP}. Each action is logged (WARN, ERROR when failing a Matter) and counted in
 * {@code matterpipeline.watchdog.matters} by {@code outcome}: {@code finished}, {@code failed}, {@code error}.
 * Several aggregator instances may run it: the finishing steps are the idempotent ones every redelivery runs.
 */
public final class MatterWatchdog extends Periodic {

    /** The reason of a Matter the watchdog ended. */
    public static final String GAVE_UP = "result-missing";
    /** The counter of the Matters the watchdog acted on. */
    public static final String METER = "matterpipeline.watchdog.matters";

    private static final Logger log = LoggerFactory.getLogger(MatterWatchdog.class);

    private final WatchList watchList;
    private final StalledMatters matters;
    private final MatterWatchdogProperties properties;
    private final Clock clock;
    private final Counter finished;
    private final Counter failed;
    private final Counter errors;

    /**
     * @param registry where the counter goes; null for none
     */
    public MatterWatchdog(WatchList watchList, StalledMatters matters, MatterWatchdogProperties properties,
            Clock clock, MeterRegistry registry) {
        super("Watchdog", properties.interval(), properties.enabled(), log);
        this.watchList = watchList;
        this.matters = matters;
        this.properties = properties;
        this.clock = clock;
        this.finished = counter(registry, "finished");
        this.failed = counter(registry, "failed");
        this.errors = counter(registry, "error");
    }

    private static Counter counter(MeterRegistry registry, String outcome) {
        if (registry == null) {
            return null;
        }
        return Counter.builder(METER)
                .description("Stalled Matters (every page settled, no result) the aggregator's watchdog acted on")
                .tag("outcome", outcome)
                .register(registry);
    }

    /** One look at every Matter on the list; emits how many it acted on. */
    public Mono<Long> check() {
        return watchList.matterIds()
                .flatMap(matterId -> checkMatter(matterId)
                        .onErrorResume(error -> {
                            log.warn("Watchdog: looking at Matter {} failed: {}", matterId, error.toString());
                            return Mono.just(false);
                        }), properties.concurrency())
                .filter(Boolean::booleanValue)
                .count();
    }

    private Mono<Boolean> checkMatter(String matterId) {
        return matters.state(matterId).flatMap(state -> switch (state.phase()) {
            case GONE, FINAL -> watchList.remove(matterId).thenReturn(false);
            case OPEN -> Mono.just(false);
            case SETTLED -> {
                Duration stalled = Duration.between(state.settledAt(), clock.instant());
                yield stalled.compareTo(properties.stallAfter()) < 0 ? Mono.just(false)
                        : act(matterId, state, stalled).thenReturn(true);
            }
        });
    }

    private Mono<Void> act(String matterId, StalledMatters.State state, Duration stalled) {
        return watchList.update(matterId, WatchEntry::attempted).flatMap(entry -> {
            if (entry.attempts() > properties.maxAttempts()) {
                String description = "Every page and document settled by " + state.settledAt()
                        + " but no result was written; the watchdog tried " + properties.maxAttempts()
                        + " times" + (entry.lastError() == null ? "" : "; last error: " + entry.lastError());
                log.error("Watchdog: Matter {} stalled for {}: ending it FAILED ({}): {}", matterId, stalled,
                        GAVE_UP, description);
                return matters.fail(matterId, GAVE_UP, description)
                        .then(watchList.remove(matterId))
                        .doOnSuccess(done -> increment(failed));
            }
            log.warn("Watchdog: Matter {} has had every page settled for {} without a result; finishing it "
                    + "(attempt {} of {})", matterId, stalled, entry.attempts(),
                    properties.maxAttempts());
            return matters.finish(matterId)
                    .timeout(properties.attemptTimeout())
                    .then(matters.state(matterId))
                    .flatMap(after -> {
                        if (after.phase() == StalledMatters.Phase.FINAL) {
                            log.warn("Watchdog: Matter {} finished", matterId);
                            increment(finished);
                            return watchList.remove(matterId);
                        }
                        return Mono.error(new IllegalStateException("still not final after the follow-up steps"));
                    })
                    .onErrorResume(error -> {
                        log.warn("Watchdog: finishing Matter {} failed (attempt {} of {}): {}", matterId,
                                entry.attempts(), properties.maxAttempts(), error.toString());
                        increment(errors);
                        return watchList.update(matterId, current -> current.failed(error.toString())).then();
                    });
        });
    }

    private static void increment(Counter counter) {
        if (counter != null) {
            counter.increment();
        }
    }

    @Override
    protected Mono<?> pass() {
        return check();
    }
}
