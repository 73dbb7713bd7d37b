package io.matterpipeline.bus;

import java.time.Duration;
import org.slf4j.Logger;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A pass run every {@code interval} while the application runs, one pass at a time (a tick during a pass is dropped),
 * a failed pass logged and the schedule kept: the lifecycle shared by the services' dead-letter sweeps and watchdogs.
 */
public abstract class Periodic implements SmartLifecycle {

    private final String name;
    private final Duration interval;
    private final boolean enabled;
    private final Logger log;
    private Disposable schedule;

    /**
     * @param enabled whether {@link #start()} starts the schedule at all
     * @param log where a failed pass is logged
     */
    protected Periodic(String name, Duration interval, boolean enabled, Logger log) {
        this.name = name;
        this.interval = interval;
        this.enabled = enabled;
        this.log = log;
    }

    /** One pass; the next tick waits until it completes. */
    protected abstract Mono<?> pass();

    @Override
    public final synchronized void start() {
        if (!enabled || schedule != null) {
            return;
        }
        schedule = Flux.interval(interval, interval, Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> pass().onErrorResume(error -> {
                    log.warn("{} pass failed: {}", name, error.toString());
                    return Mono.empty();
                }), 1)
                .subscribe();
    }

    @Override
    public final synchronized void stop() {
        if (schedule != null) {
            schedule.dispose();
            schedule = null;
        }
    }

    @Override
    public final synchronized boolean isRunning() {
        return schedule != null;
    }
}
