package io.matterpipeline.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import org.junit.jupiter.api.Test;

class PropagatedThreadLocalsTests {

    @Test
    void theLogFieldsAreCarried() {
        PropagatedThreadLocals.configure();

        assertThat(ContextRegistry.getInstance().getThreadLocalAccessors())
                .extracting(ThreadLocalAccessor::key).contains(LogContext.CONTEXT_KEY);
    }

    @Test
    void theAccessorsOfAPackageAreRemovedAndTheOthersKept() {
        ContextRegistry registry = new ContextRegistry();
        registry.registerThreadLocalAccessor(new Removed());
        registry.registerThreadLocalAccessor("kept", () -> "value", value -> { }, () -> { });

        PropagatedThreadLocals.removeAccessorsOf(registry, Removed.class.getName());

        assertThat(registry.getThreadLocalAccessors()).extracting(ThreadLocalAccessor::key).containsExactly("kept");
    }

    /** Stands for one of Spring Security's accessors (spring-security-core is not on the kernel's class path). */
    private static final class Removed implements ThreadLocalAccessor<String> {
        @Override
        public Object key() {
            return "removed";
        }

        @Override
        public String getValue() {
            return null;
        }

        @Override
        public void setValue(String value) {
        }

        @Override
        public void setValue() {
        }
    }
}
