package io.matterpipeline.split.page;

/**
 * The stable reasons a document cannot be split. They travel in DocumentFailed and end up in the Matter result, so
 * they never change meaning once released.
 */
public final class SplitFailures {

    /** The document has no bytes, no pages, or only whitespace. */
    public static final String EMPTY_DOCUMENT = "empty-document";
    /** Neither PDF, nor analyzeResult JSON, nor UTF-8 text (binary, an image, an Office file, other JSON, ...). */
    public static final String UNSUPPORTED_DOCUMENT = "unsupported-document";
    /** The PDF needs a password, or forbids extracting its text. */
    public static final String ENCRYPTED_PDF = "encrypted-pdf";
    /** The PDF cannot be parsed. */
    public static final String CORRUPT_PDF = "corrupt-pdf";
    /** A Document Intelligence result of an old or unusable shape (v2.1 readResults, pre-2022 boundingBox, failed). */
    public static final String UNSUPPORTED_ANALYZE_RESULT = "unsupported-analyze-result";
    /** The document starts like JSON but is not well-formed JSON. */
    public static final String INVALID_JSON = "invalid-json";
    /** The JSON is nested deeper, or has longer strings, numbers or names, than the splitter accepts. */
    public static final String JSON_LIMITS_EXCEEDED = "json-limits-exceeded";
    /** More pages than the configured maximum. */
    public static final String TOO_MANY_PAGES = "too-many-pages";
    /** Larger than the configured maximum document size. */
    public static final String DOCUMENT_TOO_LARGE = "document-too-large";
    /** A single page's text is longer than the configured maximum. */
    public static final String PAGE_TEXT_TOO_LARGE = "page-text-too-large";

    private SplitFailures() {
    }
}
