package io.matterpipeline.error;

/** The addressed Matter, document or blob does not exist, or is not visible to the caller. */
public class NotFoundException extends PipelineException {

    public NotFoundException(String reason, String message) {
        super(reason, message, null);
    }

    public NotFoundException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.NOT_FOUND;
    }
}
