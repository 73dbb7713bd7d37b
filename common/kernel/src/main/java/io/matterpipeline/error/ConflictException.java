package io.matterpipeline.error;

/** The request conflicts with the current state: a sealed Matter, a failed If-Match / If-None-Match. */
public class ConflictException extends PipelineException {

    public ConflictException(String reason, String message) {
        super(reason, message, null);
    }

    public ConflictException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.CONFLICT;
    }
}
