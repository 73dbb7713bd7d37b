package io.matterpipeline.standalone;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code matter-pipeline} command: the four services in one JVM. */
@Command(name = "matter-pipeline", mixinStandardHelpOptions = true, version = "matter-pipeline 0.1.0",
        description = "Turns legal Matters into structured, cited data with self-hosted LLMs.",
        subcommands = {ProcessCommand.class, ServeCommand.class, BenchCommand.class, DeadLettersCommand.class,
                BenchServersCommand.class})
final class MatterPipelineCommand implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
