package io.matterpipeline.standalone;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.NestedExceptionUtils;

/**
 * Starts a command's Spring context; a context that does not start (a port in use, a setting or connection string
 * refused) becomes a {@link CommandFailure} whose message says why in one line. Spring has logged its analysis or the
 * details by then.
 */
final class ContextStart {

    private ContextStart() {
    }

    /** {@code builder.run()}, its failure as a {@link CommandFailure} naming {@code what}. */
    static ConfigurableApplicationContext run(SpringApplicationBuilder builder, String what) {
        try {
            return builder.run();
        } catch (RuntimeException failure) {
            throw new CommandFailure(what + " did not start: " + NestedExceptionUtils.getMostSpecificCause(failure)
                    .getMessage(), failure);
        }
    }
}
