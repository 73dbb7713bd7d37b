package io.matterpipeline.extract.route;

import io.matterpipeline.error.TransientException;

/**
 * A {@link ModelRouter} refused a call without sending it anywhere: every endpoint is out (circuit breaker open), the
 * waiting list is full, or no slot came free within the routing policy's {@code maxWait}. The reason is
 * {@link io.matterpipeline.model.ModelFailures#UNREACHABLE} or {@link io.matterpipeline.model.ModelFailures#BUSY}, as
 * for a server that says so itself; unlike that case no model did any work, so a caller that budgets model calls need
 * not count it.
 */
public final class NoEndpointException extends TransientException {

    private static final long serialVersionUID = 1L;

    public NoEndpointException(String reason, String message) {
        super(reason, message);
    }
}
