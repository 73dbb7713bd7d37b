package io.matterpipeline.standalone;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code matter-pipeline} command: the four services in one JVM. */
@Command(name = "matter-pipeline", mixinStandardHelpOptions = true, version = "matter-pipeline 0.1.0",
        description = "Turns legal Matters into structured, cited data with self-hosted LLMs.",
        subcommands = {ProcessCommand.class, ServeCommand.class, BenchCommand.class, DeadLettersCommand.class,
                BenchServersCommand.class})
final class MatterPipelineCommand implements Runnable {

    /**
     * The command line as {@code matter-pipeline.jar} runs it: a {@link CommandFailure} is one line,
     * {@code error: ...}, and exit status 1; any other failure keeps its stack trace, which a bug report needs.
     */
    static CommandLine commandLine() {
        return new CommandLine(new MatterPipelineCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((failure, command, parsed) -> {
                    if (!(failure instanceof CommandFailure)) {
                        throw failure;
                    }
                    command.getErr().println("error: " + failure.getMessage());
                    return 1;
                });
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
