package io.matterpipeline.standalone.bench;

import java.time.Duration;
import java.util.List;

/**
 * The shortest time in which any schedule can finish {@code pages} model calls on the replicas' slots, when every call
 * takes its replica's whole latency and a slot runs one call at a time. The ideal rate (slots ÷ latency, summed) is
 * never reached exactly by a finite Matter: 2,000 calls of 500 ms on 64 slots need 32 rounds (16 s), not the 15.625 s
 * the rate says, because the last round has 16 calls for 64 slots. {@code bench} reports efficiency against the rate,
 * as the issue defines it, and this bound beside it so the part no scheduler can win back is not read as overhead.
 */
public final class WholeCallBound {

    private WholeCallBound() {
    }

    /**
     * @param latencies one call's latency on each replica
     * @param slots slots of every replica
     * @return the shortest time in which {@code pages} whole calls can be done: the smallest {@code t} at which the
     *     slots of all replicas together have finished {@code pages} calls, each slot calling back to back
     */
    public static Duration shortest(int pages, List<Duration> latencies, int slots) {
        if (pages < 1 || slots < 1 || latencies.isEmpty()
                || latencies.stream().anyMatch(latency -> latency.isZero() || latency.isNegative())) {
            throw new IllegalArgumentException("needs pages >= 1, slots >= 1 and positive latencies");
        }
        // The answer is a whole number of some replica's calls: the earliest such instant at which enough calls are
        // done. Each replica alone would need at most ceil(pages / slots) rounds, so that bounds the candidates.
        long rounds = (pages + slots - 1) / slots;
        Duration best = null;
        for (Duration latency : latencies) {
            long low = 1;
            long high = rounds;
            while (low < high) {
                long middle = (low + high) >>> 1;
                if (callsDoneBy(latency.multipliedBy(middle), latencies, slots) >= pages) {
                    high = middle;
                } else {
                    low = middle + 1;
                }
            }
            Duration candidate = latency.multipliedBy(low);
            if (callsDoneBy(candidate, latencies, slots) >= pages && (best == null || candidate.compareTo(best) < 0)) {
                best = candidate;
            }
        }
        return best;
    }

    private static long callsDoneBy(Duration time, List<Duration> latencies, int slots) {
        long calls = 0;
        for (Duration latency : latencies) {
            calls += time.toNanos() / latency.toNanos() * slots;
        }
        return calls;
    }
}
