package io.matterpipeline.standalone;

import io.matterpipeline.bus.DeadLetter;
import io.matterpipeline.bus.DeadLetters;
import io.matterpipeline.bus.ReplayResult;
import io.matterpipeline.contract.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.node.ObjectNode;

/**
 * Operates the dead-letter queues of a Service Bus namespace or the dead-letter topics ({@code <queue>.DLT}) of a
 * Kafka cluster: list what is there and why, replay after the cause was fixed. Output is one JSON object per line, for {@code jq} and scripts.
 */
@Command(name = "dead-letters", mixinStandardHelpOptions = true,
        description = "List and replay dead-lettered messages of a Service Bus queue or a Kafka <queue>.DLT topic.",
        subcommands = {DeadLettersCommand.ListCommand.class, DeadLettersCommand.ReplayCommand.class})
final class DeadLettersCommand implements Runnable {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @ArgGroup(exclusive = true, multiplicity = "1")
    Namespace namespace;

    @Option(names = "--duplicate-detection-window", defaultValue = "PT10M",
            description = "The queue's duplicate detection window (ISO-8601); a message whose id the broker saw "
                    + "more recently is not replayed yet, as the broker would drop it. PT0S when duplicate detection "
                    + "is off. Default: ${DEFAULT-VALUE}.")
    Duration duplicateDetectionWindow;

    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /** How to reach the namespace: a connection string (development, emulator) or managed identity. */
    static final class Namespace {
        @Option(names = "--connection-string", required = true,
                description = "Service Bus connection string (or the emulator's).")
        String connectionString;

        @Option(names = "--namespace", required = true,
                description = "Fully qualified namespace, e.g. ns.servicebus.windows.net (DefaultAzureCredential).")
        String fullyQualifiedNamespace;

        @Option(names = "--kafka", required = true, paramLabel = "<bootstrap servers>",
                description = "Kafka brokers (host:port[,host:port]): the queue's dead letters are in <queue>.DLT.")
        String kafkaBootstrapServers;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Print the oldest dead-lettered messages of a queue, one JSON object per line.")
    static final class ListCommand implements Callable<Integer> {
        @ParentCommand
        DeadLettersCommand parent;

        @Parameters(index = "0", paramLabel = "<queue>", description = "Queue name, e.g. pages.")
        String queue;

        @Option(names = "--max", defaultValue = "100", description = "At most this many. Default: ${DEFAULT-VALUE}.")
        int max;

        @Option(names = "--with-body", description = "Include the message body (the contract JSON).")
        boolean withBody;

        @Override
        public Integer call() {
            try (ConfigurableApplicationContext context = parent.connect()) {
                List<DeadLetter> letters = context.getBean(DeadLetters.class).list(queue, max)
                        .collectList().block(TIMEOUT);
                letters.forEach(letter -> System.out.println(describe(letter, withBody)));
                System.err.printf("%d dead-lettered message(s) in %s%n", letters.size(), queue);
                return 0;
            }
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Send dead-lettered messages back to their queue (same id and body), then remove them "
                    + "from the dead-letter queue.")
    static final class ReplayCommand implements Callable<Integer> {
        @ParentCommand
        DeadLettersCommand parent;

        @Parameters(index = "0", paramLabel = "<queue>", description = "Queue name, e.g. pages.")
        String queue;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Selection selection;

        static final class Selection {
            @Option(names = "--id", required = true, split = ",", description = "Message ids to replay.")
            Set<String> messageIds;

            @Option(names = "--oldest", required = true, description = "Replay the oldest N.")
            Integer oldest;
        }

        @Override
        public Integer call() {
            try (ConfigurableApplicationContext context = parent.connect()) {
                DeadLetters deadLetters = context.getBean(DeadLetters.class);
                ReplayResult result = (selection.messageIds != null
                        ? deadLetters.replay(queue, selection.messageIds)
                        : deadLetters.replay(queue, selection.oldest)).block(TIMEOUT);
                ObjectNode line = MessageCodec.mapper().createObjectNode();
                line.put("queue", queue);
                line.set("replayed", MessageCodec.mapper().valueToTree(result.replayed()));
                line.set("skipped", MessageCodec.mapper().valueToTree(result.skipped()));
                System.out.println(line);
                if (!result.skipped().isEmpty()) {
                    System.err.println("Skipped messages were seen by duplicate detection within its window; "
                            + "replay them again after the window.");
                }
                return 0;
            }
        }
    }

    private ConfigurableApplicationContext connect() {
        Map<String, Object> properties = new LinkedHashMap<>();
        if (namespace.kafkaBootstrapServers != null) {
            properties.put("matter-pipeline.bus.type", "kafka");
            properties.put("matter-pipeline.bus.kafka.bootstrap-servers", namespace.kafkaBootstrapServers);
            properties.put("logging.level.org.apache.kafka", "ERROR");
        } else {
            properties.put("matter-pipeline.bus.type", "servicebus");
        }
        if (namespace.kafkaBootstrapServers != null) {
            // nothing more: the Kafka adapter's defaults
        } else if (namespace.connectionString != null) {
            properties.put("matter-pipeline.bus.servicebus.connection-string", namespace.connectionString);
        } else {
            properties.put("matter-pipeline.bus.servicebus.fully-qualified-namespace",
                    namespace.fullyQualifiedNamespace);
        }
        properties.put("matter-pipeline.bus.servicebus.duplicate-detection-window", duplicateDetectionWindow);
        // The blob store is not used here, but the infrastructure auto-configuration creates one: keep it out of cwd.
        properties.put("matter-pipeline.blob.filesystem.root",
                System.getProperty("java.io.tmpdir") + "/matter-pipeline-dead-letters");
        properties.put("logging.level.root", "WARN");
        properties.put("logging.level.com.azure", "ERROR");
        return ContextStart.run(new SpringApplicationBuilder(BusOnly.class)
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                .properties(properties), "the connection to the broker");
    }

    private static String describe(DeadLetter letter, boolean withBody) {
        ObjectNode line = MessageCodec.mapper().createObjectNode();
        line.put("queue", letter.queue());
        line.put("messageId", letter.messageId());
        line.put("type", letter.type());
        line.put("reason", letter.reason());
        line.put("description", letter.description());
        line.put("deliveryCount", letter.deliveryCount());
        line.put("enqueuedTime", letter.enqueuedTime() == null ? null : letter.enqueuedTime().toString());
        line.put("sequenceNumber", letter.sequenceNumber());
        if (withBody) {
            line.put("body", new String(letter.body(), StandardCharsets.UTF_8));
        }
        return line.toString();
    }

    /** Only the infrastructure auto-configuration: the bus (and its DeadLetters), no service. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class BusOnly {
    }
}
