package io.matterpipeline.ocr;

import io.matterpipeline.error.BadInputException;

/**
 * The OCR service refused to read the pages for good: retrying the same request cannot help. The reason is one of
 * {@link #REJECTED} or {@link #UNAUTHORIZED}; the message is the explanation a user or an operator acts on.
 */
public class OcrRefusedException extends BadInputException {

    /** The service cannot read the document (corrupt, unsupported, too large for it, a page range it does not have). */
    public static final String REJECTED = "ocr-rejected";
    /** The service does not accept the configured credentials (wrong key, or the identity lacks its role). */
    public static final String UNAUTHORIZED = "ocr-unauthorized";

    public OcrRefusedException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }
}
