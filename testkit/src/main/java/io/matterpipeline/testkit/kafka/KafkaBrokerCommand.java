package io.matterpipeline.testkit.kafka;

import io.matterpipeline.testkit.files.Directories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code testkit kafka}: a real single-node Apache Kafka broker (KRaft) on 127.0.0.1 with the pipeline's topics, each
 * with its retry and dead-letter topic. Prints {@value #READY} and the bootstrap servers when it accepts clients;
 * runs until the process is stopped (SIGTERM shuts the broker down cleanly).
 */
@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = "A single-node Apache Kafka broker (KRaft) on 127.0.0.1 with the pipeline's topics.")
public final class KafkaBrokerCommand implements Callable<Integer> {

    /** The line printed once the broker serves clients and the topics exist. */
    public static final String READY = "Kafka broker ready on ";

    @Option(names = "--port", defaultValue = "9092",
            description = "Broker (client) port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--controller-port", defaultValue = "0",
            description = "KRaft controller port on 127.0.0.1, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int controllerPort;

    @Option(names = "--topics", split = ",", defaultValue = "documents,pages,results,matters-completed",
            description = "Queues to create topics for: <q>, <q>.retry and <q>.DLT (default: ${DEFAULT-VALUE}).")
    List<String> queues;

    @Option(names = "--partitions", defaultValue = "3",
            description = "Partitions of each topic created (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--data-dir", paramLabel = "<dir>",
            description = "Keep the broker's log here: a restart on the same directory keeps every record. "
                    + "Default: a temporary directory deleted at exit.")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        Path logDir = dataDir != null ? dataDir : Files.createTempDirectory("testkit-kafka-");
        int controller = controllerPort != 0 ? controllerPort : FreePorts.pick();
        KafkaServer server = KafkaServer.start(port, controller, logDir, queues, partitions);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            if (dataDir == null) {
                Directories.deleteQuietly(logDir);
            }
            stopped.countDown();
        }, "kafka-shutdown"));
        System.out.println(READY + server.bootstrapServers() + " (topics: "
                + String.join(",", KafkaServer.topicsOf(queues)) + "; " + partitions + " partitions)");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
