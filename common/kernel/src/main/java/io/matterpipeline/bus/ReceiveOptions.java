package io.matterpipeline.bus;

/**
 * How a consumer receives.
 *
 * @param prefetch deliveries an adapter may buffer ahead of demand (keep it small relative to the lock duration:
 *     a prefetched message's lock is not renewed until it is handed to a handler)
 */
public record ReceiveOptions(int prefetch) {

    public ReceiveOptions {
        if (prefetch < 0) {
            throw new IllegalArgumentException("prefetch must be >= 0");
        }
    }

    /** No prefetch: credit equals demand. */
    public static ReceiveOptions defaults() {
        return new ReceiveOptions(0);
    }
}
