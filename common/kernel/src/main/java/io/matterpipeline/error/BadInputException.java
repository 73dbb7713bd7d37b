package io.matterpipeline.error;

/** The input can never succeed as given (an empty file, a corrupt PDF, an invalid id). */
public class BadInputException extends PipelineException {

    public BadInputException(String reason, String message) {
        super(reason, message, null);
    }

    public BadInputException(String reason, String message, Throwable cause) {
        super(reason, message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.BAD_INPUT;
    }
}
