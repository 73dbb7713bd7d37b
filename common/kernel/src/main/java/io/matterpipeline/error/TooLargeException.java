package io.matterpipeline.error;

/** A body larger than the configured limit. */
public class TooLargeException extends PipelineException {

    public TooLargeException(String reason, String message) {
        super(reason, message, null);
    }

    public TooLargeException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.TOO_LARGE;
    }
}
