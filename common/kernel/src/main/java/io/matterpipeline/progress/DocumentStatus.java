package io.matterpipeline.progress;

/** Where a document is in the pipeline. */
public enum DocumentStatus {
    /** Uploaded; not split yet. */
    PENDING,
    /** Split; pages are being read. */
    EXTRACTING,
    /** Every page was read. */
    COMPLETED,
    /** Settled, but some pages failed or have no text layer and were not OCR'd (reason {@code needs-ocr}). */
    PARTIAL,
    /** The document could not be split, or every page failed (pages that only need OCR make it PARTIAL). */
    FAILED,
    /** The Matter was cancelled before the document settled. */
    CANCELLED;

    /** True when nothing more will happen to the document. */
    public boolean isSettled() {
        return this == COMPLETED || this == PARTIAL || this == FAILED || this == CANCELLED;
    }
}
