package io.matterpipeline.split;

import io.matterpipeline.telemetry.OperationalDefaults;
import io.matterpipeline.telemetry.azure.AzureMonitor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** Runs the page-splitter on its own: consumes DocumentReceived, publishes PageTasks and DocumentSplit. */
@SpringBootApplication
@Import(PageSplitterConfiguration.class)
public class PageSplitterApplication {

    /** The service's name: its {@code spring.application.name} and Application Insights cloud role. */
    public static final String NAME = "page-splitter";

    public static void main(String[] args) {
        // First: the agent must see the classes it instruments before they load.
        AzureMonitor.attachIfConfigured(NAME);
        SpringApplication application = new SpringApplication(PageSplitterApplication.class);
        application.setDefaultProperties(OperationalDefaults.forService(NAME));
        application.run(args);
    }
}
