package io.matterpipeline.progress;

/** Why a page or document failed: a stable reason code and a human-readable description. */
public record FailureNote(String reason, String description) {

    /**
     * The reason of a page that has no text layer (a scanned page) and was not OCR'd: it is reported with status
     * {@value #NO_TEXT}, never sent to the model, and leaves its document and Matter PARTIAL rather than FAILED.
     */
    public static final String NEEDS_OCR = "needs-ocr";

    /** The status such a page has in results. */
    public static final String NO_TEXT = "NO_TEXT";

    /** True for a page that needs OCR (see {@link #NEEDS_OCR}). */
    public boolean needsOcr() {
        return NEEDS_OCR.equals(reason);
    }
}
