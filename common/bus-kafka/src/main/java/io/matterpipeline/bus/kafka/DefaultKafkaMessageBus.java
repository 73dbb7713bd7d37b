package io.matterpipeline.bus.kafka;

import io.matterpipeline.bus.DeadLetter;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.ReplayResult;
import io.matterpipeline.error.TooLargeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.kafka.sender.KafkaSender;
import reactor.kafka.sender.SenderOptions;
import reactor.kafka.sender.SenderRecord;
import reactor.util.retry.Retry;

/** See {@link KafkaMessageBus}. */
final class DefaultKafkaMessageBus implements KafkaMessageBus {

    private static final Logger log = LoggerFactory.getLogger(DefaultKafkaMessageBus.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaBusProperties properties;
    private final Map<String, Object> clientConfig;
    private final KeyPolicy keys;
    private final Set<ReceiverSession> sessions = ConcurrentHashMap.newKeySet();
    /** Queues whose topics exist (or are being created), so each is created once. */
    private final Map<String, Mono<Void>> topics = new ConcurrentHashMap<>();
    private volatile KafkaSender<byte[], byte[]> sender;
    private volatile Admin admin;
    private volatile boolean closed;

    DefaultKafkaMessageBus(KafkaBusProperties properties) {
        this.properties = properties;
        this.clientConfig = Map.copyOf(ClientConfig.common(properties));
        this.keys = new KeyPolicy(properties.matterKeyedQueues());
    }

    // ---- publishing ----

    @Override
    public Mono<Void> publish(String queue, OutboundMessage message) {
        return publishAll(queue, List.of(Objects.requireNonNull(message, "message")));
    }

    @Override
    public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
        return Mono.deferContextual(context -> {
            requireOpen();
            requireQueue(queue);
            Objects.requireNonNull(messages, "messages");
            if (messages.isEmpty()) {
                return Mono.<Void>empty();
            }
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(messages.size());
            for (OutboundMessage message : messages) {
                records.add(RecordMapping.toRecord(queue, Objects.requireNonNull(message, "message"), context, keys));
            }
            return ensureTopics(queue).then(sendAll(records));
        });
    }

    /** Sends one record (retry and dead-letter copies); completes when the broker acknowledged it. */
    Mono<Void> send(ProducerRecord<byte[], byte[]> record) {
        return sendAll(List.of(record));
    }

    private Mono<Void> sendAll(List<ProducerRecord<byte[], byte[]>> records) {
        return sender().send(Flux.fromIterable(records).map(record -> SenderRecord.create(record, null)))
                .then()
                .onErrorMap(RecordTooLargeException.class, tooLarge -> new TooLargeException("message-too-large",
                        tooLarge.getMessage(), tooLarge));
    }

    /** The queue's topic is known to the brokers. */
    @Override
    public Mono<Void> probe(String queue) {
        return Mono.defer(() -> {
            requireOpen();
            return Mono.fromFuture(admin().describeTopics(List.of(requireQueue(queue))).allTopicNames()
                    .toCompletionStage().toCompletableFuture()).timeout(ADMIN_TIMEOUT).then();
        });
    }

    // ---- receiving ----

    @Override
    public Flux<Delivery> receive(String queue, ReceiveOptions options) {
        Flux<Delivery> once = Flux.defer(() -> {
            requireOpen();
            requireQueue(queue);
            Objects.requireNonNull(options, "options");
            ReceiverSession session = new ReceiverSession(this, queue, properties, sessions::remove);
            sessions.add(session);
            if (closed) {
                sessions.remove(session);
                return Flux.error(new IllegalStateException("The Kafka message bus is closed"));
            }
            // A cancelled session stays in `sessions` until it closed (its handed-out deliveries settled), so that
            // closing the bus closes it too.
            return ensureTopics(queue).thenMany(session.deliveries(options.prefetch()));
        });
        // The client reconnects to brokers by itself; a consumer that fails for good is replaced after a backoff.
        return once.retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofSeconds(1))
                .maxBackoff(Duration.ofSeconds(30))
                .filter(error -> !closed && !(error instanceof IllegalArgumentException)
                        && !(error instanceof NullPointerException))
                .doBeforeRetry(signal -> log.warn("Receiving from queue {} failed ({}); receiving again",
                        queue, signal.failure().toString())));
    }

    // ---- dead letters ----

    @Override
    public Flux<DeadLetter> list(String queue, int max) {
        if (max < 1) {
            return Flux.error(new IllegalArgumentException("max must be >= 1"));
        }
        return pending(queue).flatMapIterable(records -> records.subList(0, Math.min(max, records.size())))
                .map(record -> RecordMapping.toDeadLetter(queue, record));
    }

    @Override
    public Mono<ReplayResult> replay(String queue, int max) {
        if (max < 1) {
            return Mono.error(new IllegalArgumentException("max must be >= 1"));
        }
        return replayMatching(queue, record -> true, max);
    }

    @Override
    public Mono<ReplayResult> replay(String queue, Set<String> messageIds) {
        if (messageIds == null || messageIds.isEmpty()) {
            return Mono.error(new IllegalArgumentException("messageIds must not be empty"));
        }
        Set<String> ids = Set.copyOf(messageIds);
        return replayMatching(queue,
                record -> ids.contains(RecordMapping.toDeadLetter(queue, record).messageId()), Integer.MAX_VALUE);
    }

    /** Publishes each selected dead letter to its queue again, then marks it replayed in the dead-letter topic. */
    private Mono<ReplayResult> replayMatching(String queue, Predicate<ConsumerRecord<byte[], byte[]>> selected,
            int max) {
        return pending(queue)
                .flatMapMany(Flux::fromIterable)
                .filter(selected)
                .take(max)
                .concatMap(record -> {
                    String id = RecordMapping.toDeadLetter(queue, record).messageId();
                    return send(RecordMapping.copy(record, queue, replayHeaders()))
                            .then(send(DeadLetterScan.marker(record)))
                            .thenReturn(id);
                })
                .collectList()
                .map(replayed -> new ReplayResult(replayed, List.of()));
    }

    private static Map<String, String> replayHeaders() {
        Map<String, String> headers = new java.util.HashMap<>();
        headers.put(RecordMapping.REASON, null);
        headers.put(RecordMapping.DESCRIPTION, null);
        headers.put(RecordMapping.DELIVERY_COUNT, null);
        headers.put(RecordMapping.NOT_BEFORE, null);
        return headers;
    }

    /** The dead-letter topic's records not replayed yet, oldest first. */
    private Mono<List<ConsumerRecord<byte[], byte[]>>> pending(String queue) {
        return Mono.defer(() -> {
            requireOpen();
            requireQueue(queue);
            return ensureTopics(queue).then(Mono.fromCallable(() -> DeadLetterScan.pending(clientConfig,
                    Topics.deadLetter(queue), properties.deadLetterScanLimit()))
                    .subscribeOn(Schedulers.boundedElastic()));
        });
    }

    // ---- topics and clients ----

    private Mono<Void> ensureTopics(String queue) {
        if (!properties.createTopics()) {
            return Mono.empty();
        }
        return topics.computeIfAbsent(queue, name -> Mono.defer(() -> {
            List<NewTopic> wanted = Topics.all(name).stream()
                    .map(topic -> new NewTopic(topic, properties.partitions(), properties.replicationFactor()))
                    .toList();
            return Mono.fromFuture(admin().createTopics(wanted).values().values().stream()
                    .map(future -> future.toCompletionStage().toCompletableFuture()
                            .exceptionally(error -> {
                                Throwable cause = error instanceof java.util.concurrent.CompletionException
                                        ? error.getCause() : error;
                                if (cause instanceof TopicExistsException) {
                                    return null;
                                }
                                throw new java.util.concurrent.CompletionException(cause);
                            }))
                    .reduce(java.util.concurrent.CompletableFuture.completedFuture(null),
                            (a, b) -> a.thenCombine(b, (x, y) -> null)));
        }).timeout(ADMIN_TIMEOUT).then().doOnError(error -> topics.remove(name)).cache(
                done -> Duration.ofMillis(Long.MAX_VALUE), error -> Duration.ZERO, () -> Duration.ofMillis(Long.MAX_VALUE)));
    }

    private KafkaSender<byte[], byte[]> sender() {
        KafkaSender<byte[], byte[]> current = sender;
        if (current == null) {
            synchronized (this) {
                requireOpen();
                if (sender == null) {
                    Map<String, Object> config = new java.util.HashMap<>(clientConfig);
                    config.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
                    config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
                    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
                    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
                    sender = KafkaSender.create(SenderOptions.<byte[], byte[]>create(config).stopOnError(true));
                }
                current = sender;
            }
        }
        return current;
    }

    private Admin admin() {
        Admin current = admin;
        if (current == null) {
            synchronized (this) {
                requireOpen();
                if (admin == null) {
                    admin = Admin.create(clientConfig);
                }
                current = admin;
            }
        }
        return current;
    }

    @Override
    public void close() {
        closed = true;
        sessions.forEach(ReceiverSession::close);
        synchronized (this) {
            if (sender != null) {
                sender.close();
            }
            if (admin != null) {
                admin.close(ADMIN_TIMEOUT);
            }
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("The Kafka message bus is closed");
        }
    }

    private static String requireQueue(String queue) {
        if (queue == null || queue.isBlank()) {
            throw new IllegalArgumentException("queue must not be blank");
        }
        return queue;
    }
}
