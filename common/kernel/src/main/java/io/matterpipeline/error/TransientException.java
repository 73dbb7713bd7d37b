package io.matterpipeline.error;

/** A dependency failed in a way that may pass on a later attempt (timeout, 503, connection reset). */
public class TransientException extends PipelineException {

    public TransientException(String reason, String message) {
        super(reason, message, null);
    }

    public TransientException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.TRANSIENT;
    }
}
