package io.matterpipeline.telemetry;

import io.micrometer.context.ContextRegistry;

/**
 * Which thread-locals Reactor's automatic context propagation carries across thread hops. Reactor captures every
 * accessor registered with the global {@link ContextRegistry} whenever a task is scheduled, and sets and restores each
 * one around every operator that writes the context, so each accessor is paid for on every hop of every message:
 * <ul>
 *   <li>the {@link LogContext} fields: registered;</li>
 *   <li>Spring Security's {@code SecurityContextHolder} (registered by spring-security-core through the service
 *       loader): removed. The pipeline never sets it (the ingest API checks its tokens itself and keeps the caller in
 *       the exchange's attributes), and reading it creates an empty context on every thread it visits.</li>
 * </ul>
 * Micrometer's observation accessor and Spring Security's reactive accessors (both a plain thread-local read) stay.
 */
final class PropagatedThreadLocals {

    /** The key of spring-security-core's {@code SecurityContextHolderThreadLocalAccessor}. */
    static final String SECURITY_CONTEXT_HOLDER = "org.springframework.security.core.context.SecurityContext";

    private PropagatedThreadLocals() {
    }

    /** Registers the log fields' accessor and removes the security context holder's; idempotent. */
    static void configure() {
        LogContext.register();
        ContextRegistry.getInstance().removeThreadLocalAccessor(SECURITY_CONTEXT_HOLDER);
    }
}
