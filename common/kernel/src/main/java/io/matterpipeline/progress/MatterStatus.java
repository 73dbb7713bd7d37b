package io.matterpipeline.progress;

/** Where a Matter is in its lifecycle. */
public enum MatterStatus {
    /** Accepting documents. */
    OPEN,
    /** Sealed: no more documents; pages are being read. */
    PROCESSING,
    /** Every page of every document was read. */
    COMPLETED,
    /** Finished, but some pages or documents failed; the result lists them. */
    PARTIAL,
    /** Finished with nothing extracted: every document failed (or the Matter had none). */
    FAILED,
    /** Cancelled by a user; pending pages were skipped. */
    CANCELLED;

    /** True when the Matter reached a final state and its result is written. */
    public boolean isFinal() {
        return this == COMPLETED || this == PARTIAL || this == FAILED || this == CANCELLED;
    }
}
