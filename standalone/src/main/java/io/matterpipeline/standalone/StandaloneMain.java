package io.matterpipeline.standalone;

import io.matterpipeline.telemetry.azure.AzureMonitor;
import picocli.CommandLine;

/** Entry point of {@code matter-pipeline.jar}. */
public final class StandaloneMain {

    private StandaloneMain() {
    }

    public static void main(String[] args) {
        // One JVM, one agent, one cloud role for the four services (their requests are named after their queues).
        AzureMonitor.attachIfConfigured("matter-pipeline");
        CommandLine commandLine = new CommandLine(new MatterPipelineCommand())
                .setCaseInsensitiveEnumValuesAllowed(true);
        System.exit(commandLine.execute(args));
    }
}
