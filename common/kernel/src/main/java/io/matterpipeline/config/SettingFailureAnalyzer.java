package io.matterpipeline.config;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;

/**
 * Says which setting stopped a service from starting, in Spring Boot's "APPLICATION FAILED TO START" report, where the
 * log had "Application run failed" and a stack trace through every bean that needed the setting: on a scale set, the
 * one line an operator finds in the instance's log or in Application Insights. It speaks for any failure whose causes
 * include one of the pipeline's own checks naming a {@code matter-pipeline.*} setting (the typed settings' and the
 * adapters' factories', such as "Set matter-pipeline.bus.servicebus.connection-string or ...").
 */
final class SettingFailureAnalyzer implements FailureAnalyzer, Ordered {

    private static final String SETTINGS = "matter-pipeline.";

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            boolean check = cause instanceof IllegalArgumentException || cause instanceof IllegalStateException;
            if (check && cause.getMessage() != null && cause.getMessage().contains(SETTINGS)) {
                return new FailureAnalysis(cause.getMessage(), "Correct the setting (application.yaml, --name=value "
                        + "or its environment variable; README, \"Configuration\") and start the service again.", cause);
            }
        }
        return null;
    }

    /** Before Spring Boot's own analyzers, whose report of a refused binding names the bean, not the setting. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
