package io.matterpipeline.extract.route;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link ModelRouter} queues calls and takes failing endpoints out.
 *
 * @param maxWaiting calls allowed to wait for a free slot; one more is refused at once as {@code model-busy}
 * @param maxWait the longest a call waits for a slot before it fails as {@code model-busy}
 * @param failureRateThreshold percentage of failed calls (busy, 5xx, timeout, unreachable) in the window that opens an
 *     endpoint's circuit breaker
 * @param slidingWindowSize the last calls per endpoint the failure rate is computed over
 * @param minimumCalls calls an endpoint must have had in the window before its failure rate counts
 * @param openDuration how long an open breaker keeps the endpoint out before probe calls are let through
 * @param halfOpenCalls probe calls let through a half-open breaker; all must succeed to close it again
 * @param maxInFlight the most calls in flight on all endpoints together; 0 means only each endpoint's slots limit them
 */
public record RoutingPolicy(int maxWaiting, Duration maxWait, float failureRateThreshold, int slidingWindowSize,
        int minimumCalls, Duration openDuration, int halfOpenCalls, int maxInFlight) {

    public RoutingPolicy {
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(openDuration, "openDuration");
        if (maxWaiting < 0) {
            throw new IllegalArgumentException("maxWaiting must be >= 0");
        }
        if (maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("maxWait must be positive");
        }
        if (!(failureRateThreshold > 0 && failureRateThreshold <= 100)) {
            throw new IllegalArgumentException("failureRateThreshold must be within (0, 100]");
        }
        if (slidingWindowSize < 1 || minimumCalls < 1 || halfOpenCalls < 1) {
            throw new IllegalArgumentException("slidingWindowSize, minimumCalls and halfOpenCalls must be >= 1");
        }
        if (openDuration.isNegative() || openDuration.isZero()) {
            throw new IllegalArgumentException("openDuration must be positive");
        }
        if (maxInFlight < 0) {
            throw new IllegalArgumentException("maxInFlight must be >= 0");
        }
    }

    /** The same policy with at most {@code calls} calls in flight on all endpoints together (0: no such limit). */
    public RoutingPolicy withMaxInFlight(int calls) {
        return new RoutingPolicy(maxWaiting, maxWait, failureRateThreshold, slidingWindowSize, minimumCalls,
                openDuration, halfOpenCalls, calls);
    }

    /**
     * 1024 waiting calls for up to 5 minutes; open at 50 % of the last 10 calls (5 at least), 10 s, 2 probes; no limit
     * beyond the endpoints' slots.
     */
    public static RoutingPolicy defaults() {
        return new RoutingPolicy(1024, Duration.ofMinutes(5), 50, 10, 5, Duration.ofSeconds(10), 2, 0);
    }
}
