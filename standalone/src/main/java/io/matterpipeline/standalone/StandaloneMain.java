package io.matterpipeline.standalone;

import picocli.CommandLine;

/** Entry point of {@code matter-pipeline.jar}. */
public final class StandaloneMain {

    private StandaloneMain() {
    }

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new MatterPipelineCommand())
                .setCaseInsensitiveEnumValuesAllowed(true);
        System.exit(commandLine.execute(args));
    }
}
