package io.matterpipeline.standalone;

/**
 * A failure a command reports in one line, {@code error: <message>}, with exit status 1
 * ({@link MatterPipelineCommand#commandLine()}): one the user can act on (a server that does not answer, a model not
 * pulled, a setting refused, a port in use), so never a stack trace. Any other exception keeps its trace.
 */
final class CommandFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CommandFailure(String message) {
        super(message);
    }

    CommandFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
