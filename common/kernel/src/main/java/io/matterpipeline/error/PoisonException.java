package io.matterpipeline.error;

/** A message that can never be processed; it is dead-lettered with its reason. */
public class PoisonException extends PipelineException {

    public PoisonException(String reason, String message) {
        super(reason, message, null);
    }

    public PoisonException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.POISON;
    }
}
