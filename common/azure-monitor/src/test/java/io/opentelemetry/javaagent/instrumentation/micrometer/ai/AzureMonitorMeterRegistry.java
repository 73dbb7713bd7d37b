package io.opentelemetry.javaagent.instrumentation.micrometer.ai;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Stands in for the registry the Azure Monitor agent injects (same class name, which is how
 * {@code AzureMonitorMetricsAutoConfiguration} recognises it in Micrometer's global registry).
 */
public class AzureMonitorMeterRegistry extends SimpleMeterRegistry {
}
