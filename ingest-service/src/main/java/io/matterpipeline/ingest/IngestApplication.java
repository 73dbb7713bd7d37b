package io.matterpipeline.ingest;

import io.matterpipeline.telemetry.OperationalDefaults;
import io.matterpipeline.telemetry.azure.AzureMonitor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * Runs the ingest service on its own: the HTTP API over the configured blob store and message bus. No component
 * scanning: every bean comes from {@link IngestConfiguration}, exactly as in the standalone jar (a scan would also pick
 * up nested configuration classes on their own, outside their enclosing class's conditions).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(IngestConfiguration.class)
public class IngestApplication {

    /** The service's name: its {@code spring.application.name} and Application Insights cloud role. */
    public static final String NAME = "ingest-service";

    public static void main(String[] args) {
        // First: the agent must see the classes it instruments before they load.
        AzureMonitor.attachIfConfigured(NAME);
        SpringApplication application = new SpringApplication(IngestApplication.class);
        application.setDefaultProperties(OperationalDefaults.forService(NAME));
        application.run(args);
    }
}
