package io.matterpipeline.telemetry;

import io.matterpipeline.bus.MessageBus;
import java.time.Duration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import reactor.core.publisher.Mono;

/**
 * {@code bus}: up while the broker answers {@link MessageBus#probe} for the results queue (every service publishes
 * there), down when it does not within {@link #TIMEOUT}. Part of the readiness group, so an instance that lost its
 * broker is taken out of rotation instead of accepting work it cannot pass on. The detail names the error type only:
 * broker messages can carry the namespace and entity, never a key, but nothing here needs to risk it.
 */
final class BusHealthIndicator implements ReactiveHealthIndicator {

    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final MessageBus bus;
    private final String queue;

    BusHealthIndicator(MessageBus bus, String queue) {
        this.bus = bus;
        this.queue = queue;
    }

    @Override
    public Mono<Health> health() {
        return bus.probe(queue)
                .timeout(TIMEOUT)
                .then(Mono.fromSupplier(() -> Health.up().withDetail("queue", queue).build()))
                .onErrorResume(error -> Mono.just(Health.down().withDetail("queue", queue)
                        .withDetail("error", error.getClass().getSimpleName()).build()));
    }
}
