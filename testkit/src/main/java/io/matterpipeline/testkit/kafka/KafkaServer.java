package io.matterpipeline.testkit.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;

/**
 * A single-node KRaft Apache Kafka broker (the real {@code kafka.server.KafkaRaftServer}, broker and controller in
 * one) inside this JVM, on 127.0.0.1. Its log directory is formatted on first use and kept when it is a given
 * directory, so a restart on the same directory keeps every record and committed offset.
 */
final class KafkaServer implements AutoCloseable {

    /** Suffix of a queue's retry topic (the Kafka adapter's abandon path). */
    static final String RETRY_SUFFIX = ".retry";
    /** Suffix of a queue's dead-letter topic. */
    static final String DEAD_LETTER_SUFFIX = ".DLT";

    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private KafkaServer(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /** Formats {@code logDir} when it holds no broker yet, starts the broker and creates the topics. */
    static KafkaServer start(int port, int controllerPort, Path logDir, List<String> queues, int partitions)
            throws IOException {
        Files.createDirectories(logDir);
        Properties properties = serverProperties(port, controllerPort, logDir);
        Path config = logDir.resolve("server.properties");
        try (Writer writer = Files.newBufferedWriter(config)) {
            properties.store(writer, "testkit kafka");
        }
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            format(config);
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
        server.startup();
        String bootstrap = "127.0.0.1:" + port;
        KafkaServer started = new KafkaServer(server, bootstrap);
        try {
            createTopics(bootstrap, queues, partitions);
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
        return started;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** The topics of each queue: the queue's own, its retry topic and its dead-letter topic. */
    static List<String> topicsOf(List<String> queues) {
        List<String> topics = new ArrayList<>();
        for (String queue : queues) {
            topics.add(queue);
            topics.add(queue + RETRY_SUFFIX);
            topics.add(queue + DEAD_LETTER_SUFFIX);
        }
        return topics;
    }

    private static Properties serverProperties(int port, int controllerPort, Path logDir) {
        Properties properties = new Properties();
        properties.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", "1"),
                Map.entry("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort),
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("log.dirs", logDir.toAbsolutePath().toString()),
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "5"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                Map.entry("auto.create.topics.enable", "true"),
                Map.entry("num.partitions", "1"),
                // Every acknowledged write is on disk before the producer hears back: a SIGKILL loses nothing.
                Map.entry("log.flush.interval.messages", "1")));
        return properties;
    }

    private static void format(Path config) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8);
        String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
        int exit = StorageTool.execute(new String[] {"format", "--standalone", "-t", clusterId, "-c",
                config.toString()}, printStream);
        if (exit != 0) {
            throw new IllegalStateException("Formatting the Kafka log directory failed: "
                    + output.toString(StandardCharsets.UTF_8));
        }
    }

    private static void createTopics(String bootstrap, List<String> queues, int partitions) {
        if (queues.isEmpty()) {
            return;
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = topicsOf(queues).stream()
                    .filter(topic -> !existing.contains(topic))
                    .map(topic -> new NewTopic(topic, partitions, (short) 1))
                    .toList();
            try {
                admin.createTopics(missing).all().get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Creating topics failed", e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("The broker on " + bootstrap + " did not answer", e);
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
