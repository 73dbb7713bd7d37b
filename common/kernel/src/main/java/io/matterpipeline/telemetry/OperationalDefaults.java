package io.matterpipeline.telemetry;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Defaults every service shares, below every other source (any property, environment variable or argument wins).
 * They live here rather than in an {@code application.yml} per service because the standalone jar carries all four
 * services, where only one such file would be seen.
 * <ul>
 *   <li>Health probes: {@code /actuator/health/liveness} (the process works) and {@code /actuator/health/readiness}
 *       (it can take work: {@code readinessState}, which turns to refusing while the service drains on shutdown, the
 *       broker reachable ({@code bus}) and, in the llm-worker, a model endpoint whose breaker is not open
 *       ({@code modelEndpoints})).</li>
 *   <li>{@code /actuator/prometheus} exposed next to health and info.</li>
 *   <li>Reactor's automatic context propagation, which carries the {@link LogContext} into the MDC across thread
 *       hops.</li>
 *   <li>The Azure SDK's JDK HTTP client at ERROR: its only warning is about a header the JDK sets itself, once per
 *       request.</li>
 * </ul>
 */
public final class OperationalDefaults implements EnvironmentPostProcessor {

    static final String SOURCE = "matterPipelineOperationalDefaults";

    /**
     * The default properties of a service run on its own ({@code SpringApplication#setDefaultProperties}): its name,
     * which is also its Application Insights role name, and structured JSON logs on the console in the Elastic Common
     * Schema ({@code LOGGING_STRUCTURED_FORMAT_CONSOLE=} with another format, or empty for plain text, overrides).
     */
    public static Map<String, Object> forService(String name) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("spring.application.name", name);
        defaults.put("logging.structured.format.console", "ecs");
        return defaults;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("management.endpoint.health.probes.enabled", "true");
        defaults.put("management.endpoint.health.group.liveness.include", "livenessState");
        defaults.put("management.endpoint.health.group.readiness.include", "readinessState,bus,modelEndpoints");
        // modelEndpoints exists only where the llm-worker runs.
        defaults.put("management.endpoint.health.validate-group-membership", "false");
        defaults.put("management.endpoints.web.exposure.include", "health,info,prometheus");
        defaults.put("spring.reactor.context-propagation", "auto");
        // The Azure SDK's JDK HTTP client warns on every request with a body that java.net.http sets content-length
        // itself (it does, to the same value): one WARN per blob write, thousands per Matter in Application Insights.
        defaults.put("logging.level.com.azure.core.http.jdk.httpclient.JdkHttpClient", "ERROR");
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE, defaults));
    }
}
