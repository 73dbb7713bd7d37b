package io.matterpipeline.telemetry.azure;

import com.microsoft.applicationinsights.attach.ApplicationInsights;
import java.util.Map;

/**
 * Application Insights for a service, the standard way: the Azure Monitor OpenTelemetry Java agent, attached at
 * startup from the {@code applicationinsights-runtime-attach} jar. It exports requests (HTTP, and each message handled:
 * the consumer span), dependencies (Service Bus sends, Blob Storage calls, HTTP calls, the model call), exceptions,
 * logs, Micrometer metrics and Live Metrics, all correlated by the W3C trace context.
 *
 * <p>Call {@link #attachIfConfigured(String)} as the first statement of {@code main}, before any class it
 * instruments is loaded. Without {@code APPLICATIONINSIGHTS_CONNECTION_STRING} (environment) or
 * {@code applicationinsights.connection.string} (system property) nothing is attached and the service runs as before.
 */
public final class AzureMonitor {

    /** Environment variable of the connection string (Azure's own name). */
    public static final String CONNECTION_STRING_ENV = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    static final String CONNECTION_STRING_PROPERTY = "applicationinsights.connection.string";
    static final String ROLE_NAME_ENV = "APPLICATIONINSIGHTS_ROLE_NAME";
    static final String ROLE_NAME_PROPERTY = "applicationinsights.role.name";

    private static volatile boolean attached;

    private AzureMonitor() {
    }

    /**
     * Attaches the agent when a connection string is configured, with this cloud role name (the service's node on the
     * Application Map) unless {@code APPLICATIONINSIGHTS_ROLE_NAME} or {@code -Dapplicationinsights.role.name} names
     * another. The agent's configuration is {@code applicationinsights.json} on the class path (sampling), overridable
     * with Azure's {@code APPLICATIONINSIGHTS_*} environment variables.
     *
     * @return whether the agent is attached
     */
    public static synchronized boolean attachIfConfigured(String roleName) {
        return attachIfConfigured(roleName, System.getenv());
    }

    static synchronized boolean attachIfConfigured(String roleName, Map<String, String> environment) {
        if (attached) {
            return true;
        }
        if (!configured(environment)) {
            return false;
        }
        if (isBlank(environment.get(ROLE_NAME_ENV)) && isBlank(System.getProperty(ROLE_NAME_PROPERTY))) {
            System.setProperty(ROLE_NAME_PROPERTY, roleName);
        }
        ApplicationInsights.attach();
        attached = true;
        return true;
    }

    /** Whether a connection string is configured. */
    static boolean configured(Map<String, String> environment) {
        return !isBlank(environment.get(CONNECTION_STRING_ENV))
                || !isBlank(System.getProperty(CONNECTION_STRING_PROPERTY));
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
