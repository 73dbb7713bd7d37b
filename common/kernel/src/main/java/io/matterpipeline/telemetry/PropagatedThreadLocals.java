package io.matterpipeline.telemetry;

import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import java.util.List;

/**
 * Which thread-locals Reactor's automatic context propagation carries across thread hops. Reactor captures every
 * accessor registered with the global {@link ContextRegistry} whenever a task is scheduled, and sets, clears and
 * restores each one around every operator that writes the context, so each accessor is paid for on every hop of every
 * message:
 * <ul>
 *   <li>the {@link LogContext} fields: registered;</li>
 *   <li>Spring Security's (the {@code SecurityContextHolder}, the reactive security context and the exchange,
 *       registered by spring-security-core and -web through the service loader): removed. Nothing in the pipeline
 *       sets them: the services run no Spring Security filter chain (spring-security-config is not on the class path;
 *       the ingest API checks its tokens itself and keeps the caller in the exchange's attributes), and reading them
 *       is not free (the holder creates an empty context on every thread it visits; each clear removes a thread-local
 *       that the next read creates again).</li>
 * </ul>
 * Micrometer's observation accessor stays.
 */
final class PropagatedThreadLocals {

    /** The package of the accessors removed. */
    static final String SPRING_SECURITY = "org.springframework.security.";

    private PropagatedThreadLocals() {
    }

    /** Registers the log fields' accessor and removes Spring Security's; idempotent. */
    static void configure() {
        LogContext.register();
        removeAccessorsOf(ContextRegistry.getInstance(), SPRING_SECURITY);
    }

    /** Removes every accessor whose class is in the package (or its subpackages). */
    static void removeAccessorsOf(ContextRegistry registry, String packagePrefix) {
        List<Object> keys = registry.getThreadLocalAccessors().stream()
                .filter(accessor -> accessor.getClass().getName().startsWith(packagePrefix))
                .map(ThreadLocalAccessor::key)
                .toList();
        keys.forEach(registry::removeThreadLocalAccessor);
    }
}
