package io.matterpipeline.extract.observe;

import io.matterpipeline.extract.route.EndpointSnapshot;
import io.matterpipeline.extract.route.ModelRouter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code modelEndpoints}: down when the circuit breaker of every model endpoint is open — the worker could only fail
 * pages — so the readiness group takes it out of rotation until a breaker half-opens. Details: each endpoint's
 * circuit state and calls in flight.
 */
public final class ModelEndpointsHealthIndicator implements HealthIndicator {

    private final ModelRouter router;

    public ModelEndpointsHealthIndicator(ModelRouter router) {
        this.router = router;
    }

    @Override
    public Health health() {
        List<EndpointSnapshot> endpoints = router.endpoints();
        Map<String, Object> details = new LinkedHashMap<>();
        boolean anyUsable = false;
        for (EndpointSnapshot endpoint : endpoints) {
            details.put(endpoint.name(), Map.of("circuit", endpoint.circuit(), "inFlight", endpoint.inFlight(),
                    "slots", endpoint.slots()));
            anyUsable |= !"OPEN".equals(endpoint.circuit());
        }
        return (anyUsable ? Health.up() : Health.down()).withDetails(details).build();
    }
}
