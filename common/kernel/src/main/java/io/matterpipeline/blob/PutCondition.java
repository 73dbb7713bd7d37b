package io.matterpipeline.blob;

/**
 * A precondition for {@link BlobStore#put}: HTTP If-Match / If-None-Match semantics, which is what the aggregator's
 * optimistic concurrency and idempotent first writes rely on.
 */
public sealed interface PutCondition {

    /** Always write (last writer wins). */
    static PutCondition none() {
        return Unconditional.INSTANCE;
    }

    /** Write only if no blob exists at the path ({@code If-None-Match: *}). */
    static PutCondition ifAbsent() {
        return IfAbsent.INSTANCE;
    }

    /** Write only if the current blob has this ETag ({@code If-Match}). */
    static PutCondition ifMatch(String etag) {
        return new IfMatch(etag);
    }

    /** Unconditional write. */
    enum Unconditional implements PutCondition { INSTANCE }

    /** Create-only write. */
    enum IfAbsent implements PutCondition { INSTANCE }

    /** Compare-and-swap on the ETag. */
    record IfMatch(String etag) implements PutCondition {
        public IfMatch {
            if (etag == null || etag.isEmpty()) {
                throw new IllegalArgumentException("etag must not be empty");
            }
        }
    }
}
