package io.matterpipeline.ingest.matter;

/** The lifecycle state the ingest service records in a Matter's manifest. */
public enum MatterState {
    /** Accepting documents. */
    OPEN,
    /** No more documents; the Matter is being (or was) processed. */
    SEALED,
    /** Cancelled by a user: no more documents, pending pages are skipped, the Matter ends CANCELLED. */
    CANCELLED
}
