package io.matterpipeline.assemble;

import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;

/**
 * Writing a document result ({@code documentId} set) or a Matter result ({@code documentId} null) failed. Retried like
 * any transient failure; on the last delivery, or at once when retrying cannot help (the cause is poison: a stored
 * piece that can never be read), the aggregator gives up and records the document or the Matter as FAILED with reason
 * {@value #REASON}, so no Matter waits forever for a result that cannot be written.
 */
final class AssemblyFailedException extends TransientException {

    static final String REASON = "assembly-failed";

    private final String matterId;
    private final String documentId;

    AssemblyFailedException(String matterId, String documentId, Throwable cause) {
        super(REASON, (documentId == null ? "The result of Matter " + matterId
                : "The result of document " + documentId + " of Matter " + matterId)
                + " could not be written: " + describe(cause), cause);
        this.matterId = matterId;
        this.documentId = documentId;
    }

    private static String describe(Throwable cause) {
        return cause instanceof PipelineException pipeline
                ? pipeline.reason() + ": " + pipeline.getMessage()
                : cause.toString();
    }

    String matterId() {
        return matterId;
    }

    /** The document whose result failed; null when it was the Matter's. */
    String documentId() {
        return documentId;
    }

    /** False when the same stored input would fail again. */
    boolean retryCanHelp() {
        return !(getCause() instanceof PipelineException pipeline && pipeline.kind() == PipelineException.Kind.POISON);
    }
}
