package io.matterpipeline.extract;

import io.matterpipeline.telemetry.OperationalDefaults;
import io.matterpipeline.telemetry.azure.AzureMonitor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** Runs the llm-worker on its own: consumes PageTasks, reads each page with the model, publishes the outcome. */
@SpringBootApplication
@Import(LlmWorkerConfiguration.class)
public class LlmWorkerApplication {

    /** The service's name: its {@code spring.application.name} and Application Insights cloud role. */
    public static final String NAME = "llm-worker";

    public static void main(String[] args) {
        // First: the agent must see the classes it instruments before they load.
        AzureMonitor.attachIfConfigured(NAME);
        SpringApplication application = new SpringApplication(LlmWorkerApplication.class);
        application.setDefaultProperties(OperationalDefaults.forService(NAME));
        application.run(args);
    }
}
