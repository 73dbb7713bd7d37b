package io.matterpipeline.ingest.access;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A token bucket per token id: {@code burst} requests at once, refilled at the token's rate. Memory is bounded: at
 * most {@code maxTracked} buckets, the least recently used forgotten first (a forgotten token starts with a full
 * bucket, which errs on the side of serving). Per instance: with N instances a token gets up to N times its rate.
 */
final class RateLimiter {

    private final int maxTracked;
    private final LongSupplier nanoTime;
    private final Map<String, Bucket> buckets;

    RateLimiter(int maxTracked, LongSupplier nanoTime) {
        this.maxTracked = maxTracked;
        this.nanoTime = nanoTime;
        this.buckets = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > RateLimiter.this.maxTracked;
            }
        };
    }

    /**
     * Takes one request from the token's bucket.
     *
     * @return 0 when the request may proceed, otherwise the nanoseconds until it would
     */
    synchronized long acquire(String tokenId, int requestsPerMinute, int burst) {
        long now = nanoTime.getAsLong();
        double perNano = requestsPerMinute / 60e9;
        Bucket bucket = buckets.computeIfAbsent(tokenId, id -> new Bucket(burst, now));
        bucket.available = Math.min(burst, bucket.available + (now - bucket.updated) * perNano);
        bucket.updated = now;
        if (bucket.available >= 1) {
            bucket.available -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - bucket.available) / perNano);
    }

    synchronized int tracked() {
        return buckets.size();
    }

    private static final class Bucket {
        double available;
        long updated;

        Bucket(double available, long updated) {
            this.available = available;
            this.updated = updated;
        }
    }
}
