package io.matterpipeline.assemble.sentinel;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Runs a pass every {@code interval}, one pass at a time (a tick during a pass is dropped), a failed pass logged and
 * the schedule kept: the lifecycle shared by the sentinels.
 */
final class Periodic {

    private final String name;
    private final Duration interval;
    private final Supplier<Mono<?>> pass;
    private final Logger log;
    private Disposable schedule;

    Periodic(String name, Duration interval, Supplier<Mono<?>> pass, Logger log) {
        this.name = name;
        this.interval = interval;
        this.pass = pass;
        this.log = log;
    }

    synchronized void start() {
        if (schedule != null) {
            return;
        }
        schedule = Flux.interval(interval, interval, Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> pass.get().onErrorResume(error -> {
                    log.warn("{} pass failed: {}", name, error.toString());
                    return Mono.empty();
                }), 1)
                .subscribe();
    }

    synchronized void stop() {
        if (schedule != null) {
            schedule.dispose();
            schedule = null;
        }
    }

    synchronized boolean isRunning() {
        return schedule != null;
    }
}
