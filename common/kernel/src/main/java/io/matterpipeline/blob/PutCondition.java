package io.matterpipeline.blob;

import io.matterpipeline.error.ConflictException;

/**
 * A precondition for {@link BlobStore#put}: HTTP If-Match / If-None-Match semantics, which is what the aggregator's
 * optimistic concurrency and idempotent first writes rely on.
 */
public sealed interface PutCondition {

    /** The reason of the {@link ConflictException} every store adapter fails a put with when its condition fails. */
    String REFUSED = "precondition-failed";

    /**
     * True when {@code error} says a put's condition did not hold: another writer changed (or created) the blob
     * first. The one test of a lost race, for every compare-and-swap in the pipeline.
     */
    static boolean refused(Throwable error) {
        return error instanceof ConflictException conflict && REFUSED.equals(conflict.reason());
    }

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
