package io.matterpipeline.split.detect;

/** What a document's first bytes say it is; decides which splitter reads it. */
public enum DocumentFormat {
    /** Starts with {@code %PDF-} (possibly after a few junk bytes, which PDF readers tolerate). */
    PDF,
    /** Starts with a JSON object or array; whether it is an analyzeResult is decided by its shape. */
    JSON,
    /** UTF-8 text, as far as the first bytes tell. */
    TEXT
}
