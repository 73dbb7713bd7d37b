package io.matterpipeline.testkit;

import io.matterpipeline.testkit.azurite.AzuriteCommand;
import io.matterpipeline.testkit.documentintelligence.DocumentIntelligenceSimulatorCommand;
import io.matterpipeline.testkit.fleet.FleetCommand;
import io.matterpipeline.testkit.kafka.KafkaBrokerCommand;
import io.matterpipeline.testkit.ollama.OllamaSimulatorCommand;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorCommand;
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
        System.exit(new CommandLine(new TestkitCommand()).execute(args));
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
