package io.matterpipeline.standalone;

import io.matterpipeline.error.FatalErrors;
import io.matterpipeline.telemetry.azure.AzureMonitor;

/** Entry point of {@code matter-pipeline.jar}. */
public final class StandaloneMain {

    private StandaloneMain() {
    }

    public static void main(String[] args) {
        // Out of memory (or any VirtualMachineError) stops the process, exit status 70, rather than hanging on.
        FatalErrors.install();
        // One JVM, one agent, one cloud role for the four services (their requests are named after their queues).
        AzureMonitor.attachIfConfigured("matter-pipeline");
        System.exit(MatterPipelineCommand.commandLine().execute(args));
    }
}
