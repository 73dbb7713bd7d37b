package io.matterpipeline.testkit.servicebus;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How to start a {@link ServiceBusEmulator}. Immutable: the {@code with...} methods return changed copies.
 *
 * @param port           TCP port on 127.0.0.1; 0 picks a free one outside the OS ephemeral range, so that
 *                       {@link ServiceBusEmulator#restart()} can bind it again
 * @param queues         the queues of the namespace
 * @param maxMessageSize largest message (or batch) a sender may transfer, in bytes, announced on every send link (Service Bus Standard: 262144)
 * @param dataDirectory  where messages, delivery counts, dead letters, scheduled messages and duplicate-detection ids
 *                       are journaled, so a process killed and started again on it keeps every acknowledged message;
 *                       null keeps them in memory only
 */
public record ServiceBusEmulatorOptions(int port, List<QueueOptions> queues, int maxMessageSize, Path dataDirectory) {

    public static final int STANDARD_MAX_MESSAGE_SIZE = 262_144;

    public ServiceBusEmulatorOptions {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        queues = List.copyOf(queues);
        Set<String> names = new HashSet<>();
        for (QueueOptions queue : queues) {
            if (!names.add(queue.name().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("Queue declared twice: " + queue.name());
            }
        }
        if (maxMessageSize < 1024) {
            throw new IllegalArgumentException("maxMessageSize must be at least 1024 bytes: " + maxMessageSize);
        }
    }

    /** A free loopback port, no queues yet, Standard tier message size. */
    public static ServiceBusEmulatorOptions defaults() {
        return new ServiceBusEmulatorOptions(0, List.of(), STANDARD_MAX_MESSAGE_SIZE, null);
    }

    public ServiceBusEmulatorOptions withPort(int port) {
        return new ServiceBusEmulatorOptions(port, queues, maxMessageSize, dataDirectory);
    }

    public ServiceBusEmulatorOptions withQueue(QueueOptions queue) {
        List<QueueOptions> more = new ArrayList<>(queues);
        more.add(queue);
        return new ServiceBusEmulatorOptions(port, more, maxMessageSize, dataDirectory);
    }

    /** Adds queues with Service Bus defaults. */
    public ServiceBusEmulatorOptions withQueues(String... names) {
        ServiceBusEmulatorOptions options = this;
        for (String name : names) {
            options = options.withQueue(QueueOptions.named(name));
        }
        return options;
    }

    /** Journals messages in {@code dataDirectory} (see the record's description); null for memory only. */
    public ServiceBusEmulatorOptions withDataDirectory(Path dataDirectory) {
        return new ServiceBusEmulatorOptions(port, queues, maxMessageSize, dataDirectory);
    }

    public ServiceBusEmulatorOptions withMaxMessageSize(int maxMessageSize) {
        return new ServiceBusEmulatorOptions(port, queues, maxMessageSize, dataDirectory);
    }
}
