package io.matterpipeline.extract.route;

import io.matterpipeline.model.ModelClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * A {@link ModelClient} in front of several model servers: each call goes to the least-loaded healthy endpoint,
 * never more calls in flight on an endpoint than its slots. Calls beyond the free slots wait in a bounded FIFO (no
 * thread waits); an endpoint that keeps failing is taken out by its circuit breaker and probed back in.
 *
 * <p>Every call is routed afresh, so a caller that retries a failed call with backoff lands on another endpoint when
 * one is free. Besides the errors of the endpoints' clients, a call fails with
 * {@link io.matterpipeline.model.ModelFailures#BUSY} when the wait queue is full or the wait too long, and with
 * {@link io.matterpipeline.model.ModelFailures#UNREACHABLE} when every endpoint's breaker is open.
 *
 * <p>Metrics (tag {@code endpoint}): {@code matterpipeline.model.calls} (tags {@code outcome}, {@code reason}),
 * {@code matterpipeline.model.latency} (timer, tag {@code outcome}), {@code matterpipeline.model.in.flight},
 * {@code matterpipeline.model.slots}, {@code matterpipeline.model.circuit.state} (0 closed, 1 half-open, 2 open);
 * and {@code matterpipeline.model.waiting} for the router.
 */
public interface ModelRouter extends ModelClient {

    /** The endpoints in configuration order, as they are now. */
    List<EndpointSnapshot> endpoints();

    /**
     * Warms every endpoint's client up at once ({@link io.matterpipeline.model.ModelClient#warmUp()}: the HTTP
     * clients open a connection per slot), so that the first pages' calls do not pay for it inside their slots.
     * Completes when all have ended; never fails.
     */
    @Override
    Mono<Void> warmUp();

    /**
     * A router over {@code endpoints}, which must all pin the same token limits.
     *
     * @throws IllegalArgumentException if there are no endpoints, two share a name, or their limits differ
     */
    static ModelRouter create(List<RoutedEndpoint> endpoints, RoutingPolicy policy, MeterRegistry meters) {
        return new LeastLoadedRouter(endpoints, policy, meters);
    }
}
