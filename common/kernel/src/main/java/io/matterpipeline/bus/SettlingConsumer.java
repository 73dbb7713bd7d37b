package io.matterpipeline.bus;

import io.matterpipeline.telemetry.ConsumerTelemetry;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What {@link QueueConsumer} and {@link RawQueueConsumer} are to their owner: a {@link SettlingLoop} over one queue,
 * started and stopped with the application context. They differ only in how a delivery becomes what the handler gets.
 */
abstract sealed class SettlingConsumer implements SmartLifecycle permits QueueConsumer, RawQueueConsumer {

    private final SettlingLoop<?> loop;

    SettlingConsumer(SettlingLoop<?> loop) {
        this.loop = loop;
    }

    /** The receive-handle-settle loop, for callers that manage the subscription themselves (tests, benchmarks). */
    public Flux<Void> run(Mono<Void> until) {
        return loop.run(until);
    }

    /**
     * Reports a span per delivery (continuing the message's trace), its log context and the consumer metrics through
     * this telemetry; call before {@link #start()}. The kernel's telemetry auto-configuration does it for beans.
     */
    public void observeWith(ConsumerTelemetry telemetry) {
        loop.observeWith(telemetry);
    }

    @Override
    public void start() {
        loop.start();
    }

    @Override
    public void stop() {
        loop.stop();
    }

    @Override
    public boolean isRunning() {
        return loop.isRunning();
    }

    /** Deliveries being handled right now. */
    public long inFlight() {
        return loop.inFlight();
    }
}
