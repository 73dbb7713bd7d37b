package io.matterpipeline.standalone;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.NestedExceptionUtils;

/**
 * Starts a command's Spring context; a context that does not start (a port in use, a setting or connection string
 * refused) becomes a {@link Failure} whose message says why in one line, for the command line to print instead of a
 * stack trace. Spring has logged its analysis or the details by then.
 */
final class ContextStart {

    private ContextStart() {
    }

    /** {@code builder.run()}, its failure as a {@link Failure} naming {@code what}. */
    static ConfigurableApplicationContext run(SpringApplicationBuilder builder, String what) {
        try {
            return builder.run();
        } catch (RuntimeException failure) {
            throw new Failure(what + " did not start: " + NestedExceptionUtils.getMostSpecificCause(failure)
                    .getMessage(), failure);
        }
    }

    /** A context that did not start; its message is the one line to show. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
