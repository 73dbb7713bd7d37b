package io.matterpipeline.testkit;

import io.matterpipeline.testkit.azurite.AzuriteCommand;
import io.matterpipeline.testkit.documentintelligence.DocumentIntelligenceSimulatorCommand;
import io.matterpipeline.testkit.fleet.FleetCommand;
import io.matterpipeline.testkit.kafka.KafkaBrokerCommand;
import io.matterpipeline.testkit.ollama.OllamaSimulatorCommand;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorCommand;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code testkit.jar}: each subcommand starts one of the servers that tests and benchmarks run
 * against, on loopback, and keeps it running until the process is stopped.
 */
@Command(name = "testkit", mixinStandardHelpOptions = true,
        description = "Servers for tests and benchmarks of matter-pipeline (loopback only).",
        subcommands = {OllamaSimulatorCommand.class, ServiceBusEmulatorCommand.class, AzuriteCommand.class,
                KafkaBrokerCommand.class, FleetCommand.class, DocumentIntelligenceSimulatorCommand.class})
public final class TestkitCommand implements Runnable {

    public static void main(String[] args) {
        // Not named logback.xml: testkit sits on the test classpath of every service and must not take over
        // their Spring Boot logging configuration.
        System.setProperty("logback.configurationFile", "logback-testkit.xml");
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line, with failures the user can act on (a file or folder that is not there, an argument out of
     * range) said in one line, {@code error: ...} and exit status 1; any other failure keeps its stack trace, which a
     * bug report needs.
     */
    public static CommandLine commandLine() {
        return new CommandLine(new TestkitCommand()).setExecutionExceptionHandler((failure, command, parsed) -> {
            if (!isTheUsersToFix(failure)) {
                throw failure;
            }
            command.getErr().println("error: " + messages(failure));
            return 1;
        });
    }

    private static boolean isTheUsersToFix(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException || cause instanceof IllegalArgumentException) {
                return true;
            }
        }
        return false;
    }

    /** The messages of the failure and its causes, outermost first, each once. */
    private static String messages(Throwable failure) {
        List<String> messages = new ArrayList<>();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            if (messages.stream().noneMatch(said -> said.contains(message))) {
                messages.add(message);
            }
        }
        return String.join(": ", messages);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
