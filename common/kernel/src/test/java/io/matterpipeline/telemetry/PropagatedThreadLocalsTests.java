package io.matterpipeline.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import org.junit.jupiter.api.Test;

class PropagatedThreadLocalsTests {

    @Test
    void theLogFieldsAreCarriedAndTheSecurityContextHolderIsNot() {
        ContextRegistry.getInstance().registerThreadLocalAccessor(PropagatedThreadLocals.SECURITY_CONTEXT_HOLDER,
                () -> "someone", value -> { }, () -> { });

        PropagatedThreadLocals.configure();

        assertThat(ContextRegistry.getInstance().getThreadLocalAccessors()).extracting(ThreadLocalAccessor::key)
                .contains(LogContext.CONTEXT_KEY).doesNotContain(PropagatedThreadLocals.SECURITY_CONTEXT_HOLDER);
    }
}
