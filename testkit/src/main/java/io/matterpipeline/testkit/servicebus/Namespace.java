package io.matterpipeline.testkit.servicebus;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import io.vertx.core.Vertx;

/**
 * The emulated Service Bus namespace: its entities, by the addresses clients attach to. Confined to the event loop.
 */
final class Namespace {

    static final String DEAD_LETTER_SUFFIX = "/$deadletterqueue";
    static final String MANAGEMENT_SUFFIX = "/$management";
    static final String CBS_ADDRESS = "$cbs";

    private final Vertx vertx;
    private final AmqpCodec codec = new AmqpCodec();
    private final Map<String, EntityQueue> entities = new LinkedHashMap<>();
    private final Map<String, EntityQueue> queues = new LinkedHashMap<>();
    private final Journal journal;

    /** @param dataDirectory where the journal lives; null keeps messages in memory only */
    Namespace(Vertx vertx, List<QueueOptions> queueOptions, Path dataDirectory) {
        this.vertx = vertx;
        for (QueueOptions options : queueOptions) {
            String key = options.name().toLowerCase(Locale.ROOT);
            EntityQueue deadLetterQueue = new EntityQueue(options.name() + DEAD_LETTER_SUFFIX, options, null, this);
            EntityQueue queue = new EntityQueue(options.name(), options, deadLetterQueue, this);
            queues.put(key, queue);
            entities.put(key, queue);
            entities.put(key + DEAD_LETTER_SUFFIX, deadLetterQueue);
        }
        if (dataDirectory == null) {
            this.journal = null;
        } else {
            Map<String, Journal.EntityState> recovered = new LinkedHashMap<>();
            this.journal = Journal.open(dataDirectory, recovered);
            recovered.forEach((path, state) -> {
                EntityQueue entity = entities.get(path.toLowerCase(Locale.ROOT));
                if (entity != null) {
                    entity.restore(state);
                }
            });
            queues.values().forEach(EntityQueue::deadLetterExhausted);
        }
    }

    /** The journal, or null when messages live in memory only. */
    Journal journal() {
        return journal;
    }

    AmqpCodec codec() {
        return codec;
    }

    /**
     * The entity behind a link address such as {@code pages}, {@code pages/$DeadLetterQueue} or
     * {@code amqps://host/pages}; null when there is none.
     */
    EntityQueue resolve(String address) {
        String path = entityPath(address);
        return path == null ? null : entities.get(path.toLowerCase(Locale.ROOT));
    }

    /** The queue declared under a name (not its dead-letter queue); null when there is none. */
    EntityQueue queue(String name) {
        return queues.get(name.toLowerCase(Locale.ROOT));
    }

    /** Finds a lock by token in any entity: the management node of the entity is not required to match. */
    MessageLock findLock(UUID token) {
        for (EntityQueue entity : entities.values()) {
            MessageLock lock = entity.findLock(token);
            if (lock != null) {
                return lock;
            }
        }
        return null;
    }

    static String entityPath(String address) {
        if (address == null) {
            return null;
        }
        String path = address;
        int scheme = path.indexOf("://");
        if (scheme >= 0) {
            int slash = path.indexOf('/', scheme + 3);
            path = slash < 0 ? "" : path.substring(slash + 1);
        }
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        return path;
    }

    static boolean isManagementAddress(String address) {
        return address != null && address.toLowerCase(Locale.ROOT).endsWith(MANAGEMENT_SUFFIX);
    }

    static boolean isCbsAddress(String address) {
        return CBS_ADDRESS.equals(entityPath(address));
    }

    Instant now() {
        return Instant.now();
    }

    long setTimer(Duration delay, Runnable action) {
        return vertx.setTimer(Math.max(1, delay.toMillis()), id -> action.run());
    }

    void cancelTimer(long id) {
        vertx.cancelTimer(id);
    }

    void cancelTimers() {
        entities.values().forEach(EntityQueue::cancelTimers);
    }

    void closeJournal() {
        if (journal != null) {
            journal.close();
        }
    }
}
