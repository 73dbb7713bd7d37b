package io.matterpipeline.extract.route;

import java.time.Duration;
import java.time.Instant;

/**
 * What a {@link ModelRouter} knows about one endpoint at a moment.
 *
 * @param name the endpoint's name
 * @param slots its slots
 * @param inFlight calls on it now
 * @param peakInFlight the most calls ever on it at once; never above {@code slots}
 * @param calls calls that ended on it, however
 * @param failures calls that ended with an error
 * @param circuit its circuit breaker state: {@code CLOSED}, {@code OPEN} or {@code HALF_OPEN}
 * @param busy slot time its calls have held: each call's time from being given a slot to giving it back, summed; over
 *     {@code slots} × a period it is the share of that period its slots were in use
 * @param firstGranted when the first call was given one of its slots, or null before that
 * @param lastReleased when the latest call gave its slot back, or null before that
 */
public record EndpointSnapshot(String name, int slots, int inFlight, int peakInFlight, long calls, long failures,
        String circuit, Duration busy, Instant firstGranted, Instant lastReleased) {
}
