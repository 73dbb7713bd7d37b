package io.matterpipeline.assemble;

import io.matterpipeline.telemetry.OperationalDefaults;
import io.matterpipeline.telemetry.azure.AzureMonitor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** Runs the aggregator on its own: consumes the results queue and writes Matter results. */
@SpringBootApplication
@Import(AggregatorConfiguration.class)
public class AggregatorApplication {

    /** The service's name: its {@code spring.application.name} and Application Insights cloud role. */
    public static final String NAME = "aggregator";

    public static void main(String[] args) {
        // First: the agent must see the classes it instruments before they load.
        AzureMonitor.attachIfConfigured(NAME);
        SpringApplication application = new SpringApplication(AggregatorApplication.class);
        application.setDefaultProperties(OperationalDefaults.forService(NAME));
        application.run(args);
    }
}
