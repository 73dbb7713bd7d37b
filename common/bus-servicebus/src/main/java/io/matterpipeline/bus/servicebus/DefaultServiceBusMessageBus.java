package io.matterpipeline.bus.servicebus;

import com.azure.core.amqp.AmqpRetryMode;
import com.azure.core.amqp.AmqpRetryOptions;
import com.azure.core.amqp.AmqpTransportType;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.messaging.servicebus.ServiceBusClientBuilder;
import com.azure.messaging.servicebus.ServiceBusMessage;
import com.azure.messaging.servicebus.ServiceBusMessageBatch;
import com.azure.messaging.servicebus.ServiceBusReceivedMessage;
import com.azure.messaging.servicebus.ServiceBusReceiverAsyncClient;
import com.azure.messaging.servicebus.ServiceBusSenderAsyncClient;
import com.azure.messaging.servicebus.models.ServiceBusReceiveMode;
import com.azure.messaging.servicebus.models.SubQueue;
import io.matterpipeline.bus.DeadLetter;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.ReplayResult;
import io.matterpipeline.error.TooLargeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/** See {@link ServiceBusMessageBus}. */
final class DefaultServiceBusMessageBus implements ServiceBusMessageBus {

    private static final Logger log = LoggerFactory.getLogger(DefaultServiceBusMessageBus.class);
    /** Shortest lock duration assumed when deriving it from a locked-until (clock skew, long prefetch waits). */
    private static final Duration MIN_LOCK_DURATION = Duration.ofSeconds(1);

    private final ServiceBusProperties properties;
    /** One builder, so every client shares its one AMQP connection. */
    private final ServiceBusClientBuilder builder;
    private final Map<String, ServiceBusSenderAsyncClient> senders = new ConcurrentHashMap<>();
    private final Set<ReceiverSession> receivers = ConcurrentHashMap.newKeySet();
    /** The longest lock duration seen per queue (lowercase), when it is not configured. */
    private final Map<String, Duration> lockDurations = new ConcurrentHashMap<>();
    private volatile boolean closed;

    DefaultServiceBusMessageBus(ServiceBusProperties properties) {
        this.properties = properties;
        this.builder = clientBuilder(properties);
    }

    private static ServiceBusClientBuilder clientBuilder(ServiceBusProperties properties) {
        ServiceBusClientBuilder builder = new ServiceBusClientBuilder()
                .retryOptions(new AmqpRetryOptions().setMode(AmqpRetryMode.EXPONENTIAL)
                        .setMaxRetries(properties.maxRetries()).setDelay(properties.retryDelay())
                        .setMaxDelay(properties.maxRetryDelay()).setTryTimeout(properties.tryTimeout()))
                .transportType(properties.webSockets() ? AmqpTransportType.AMQP_WEB_SOCKETS : AmqpTransportType.AMQP);
        if (properties.connectionString() != null) {
            return builder.connectionString(properties.connectionString());
        }
        if (properties.fullyQualifiedNamespace() != null) {
            // Managed identity in Azure, workload identity in AKS, environment or Azure CLI credentials elsewhere.
            return builder.credential(properties.fullyQualifiedNamespace(),
                    new DefaultAzureCredentialBuilder().build());
        }
        throw new IllegalArgumentException("Set matter-pipeline.bus.servicebus.connection-string or "
                + "matter-pipeline.bus.servicebus.fully-qualified-namespace");
    }

    // ---- publishing ----

    @Override
    public Mono<Void> publish(String queue, OutboundMessage message) {
        return Mono.deferContextual(context -> {
            requireOpen();
            Objects.requireNonNull(message, "message");
            return sender(queue).sendMessage(MessageMapping.toServiceBus(message, context));
        }).onErrorMap(ServiceBusErrors::translate);
    }

    @Override
    public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
        return Mono.deferContextual(context -> {
            requireOpen();
            Objects.requireNonNull(messages, "messages");
            if (messages.isEmpty()) {
                return Mono.<Void>empty();
            }
            List<ServiceBusMessage> mapped = new ArrayList<>(messages.size());
            for (OutboundMessage message : messages) {
                mapped.add(MessageMapping.toServiceBus(Objects.requireNonNull(message, "message"), context));
            }
            return sendInBatches(queue, sender(queue), mapped, 0);
        }).onErrorMap(ServiceBusErrors::translate);
    }

    /** The queue's send link answers: a batch needs the link (re-created, with the SDK's retries, when it was lost). */
    @Override
    public Mono<Void> probe(String queue) {
        return Mono.defer(() -> {
            requireOpen();
            return sender(queue).createMessageBatch().then();
        }).onErrorMap(ServiceBusErrors::translate);
    }

    /** Fills a batch up to the broker's size limit, sends it, and goes on with the rest. */
    private Mono<Void> sendInBatches(String queue, ServiceBusSenderAsyncClient sender, List<ServiceBusMessage> messages,
            int from) {
        if (from >= messages.size()) {
            return Mono.empty();
        }
        return sender.createMessageBatch().flatMap(batch -> {
            int next = fill(batch, messages, from);
            if (next == from) {
                ServiceBusMessage tooLarge = messages.get(from);
                return Mono.error(new TooLargeException("message-too-large", "Message " + tooLarge.getMessageId()
                        + " for queue " + queue + " does not fit a batch of " + batch.getMaxSizeInBytes() + " bytes"));
            }
            return sender.sendMessages(batch).then(Mono.defer(() -> sendInBatches(queue, sender, messages, next)));
        });
    }

    private static int fill(ServiceBusMessageBatch batch, List<ServiceBusMessage> messages, int from) {
        int next = from;
        try {
            while (next < messages.size() && batch.tryAddMessage(messages.get(next))) {
                next++;
            }
        } catch (RuntimeException tooLargeAlone) {
            // The SDK throws instead of answering false for a message larger than any batch; send what fits so far.
            if (next == from) {
                return from;
            }
        }
        return next;
    }

    private ServiceBusSenderAsyncClient sender(String queue) {
        requireQueue(queue);
        return senders.computeIfAbsent(queue, name -> {
            synchronized (builder) {
                return builder.sender().queueName(name).buildAsyncClient();
            }
        });
    }

    // ---- receiving ----

    @Override
    public Flux<Delivery> receive(String queue, ReceiveOptions options) {
        Flux<Delivery> once = Flux.defer(() -> {
            requireOpen();
            Objects.requireNonNull(options, "options");
            ReceiverSession session = openReceiver(queue, options.prefetch(), SubQueue.NONE);
            return session.client().receiveMessages()
                    .map(message -> {
                        session.handedOut();
                        return (Delivery) new ServiceBusDelivery(session, message, lockDuration(queue, message),
                                properties.settleTimeout(), observed -> observeLockDuration(queue, observed));
                    })
                    .doFinally(signal -> session.stopReceiving());
        });
        // The SDK retries a broken link or connection itself; when it gives up, open a new receiver after a backoff.
        return once.retryWhen(Retry.backoff(Long.MAX_VALUE, properties.reconnectDelay())
                .maxBackoff(properties.maxReconnectDelay())
                .filter(error -> !closed && !(error instanceof IllegalArgumentException)
                        && !(error instanceof NullPointerException))
                .doBeforeRetry(signal -> log.warn("Receiving from queue {} failed ({}); receiving again",
                        queue, signal.failure().toString())));
    }

    private ReceiverSession openReceiver(String queue, int prefetch, SubQueue subQueue) {
        requireQueue(queue);
        ServiceBusReceiverAsyncClient client;
        synchronized (builder) {
            client = builder.receiver().queueName(queue).subQueue(subQueue)
                    .receiveMode(ServiceBusReceiveMode.PEEK_LOCK)
                    .disableAutoComplete()
                    // The consumer renews locks only while a handler runs; the SDK would renew prefetched ones too.
                    .maxAutoLockRenewDuration(Duration.ZERO)
                    .prefetchCount(prefetch)
                    .buildAsyncClient();
        }
        ReceiverSession session = new ReceiverSession(queue, client, receivers::remove);
        receivers.add(session);
        if (closed) {
            // Raced with close(): do not leave a client open behind it.
            session.closeNow();
            throw new IllegalStateException("The Service Bus message bus is closed");
        }
        return session;
    }

    private Duration lockDuration(String queue, ServiceBusReceivedMessage message) {
        if (properties.lockDuration() != null) {
            return properties.lockDuration();
        }
        if (message.getLockedUntil() != null) {
            observeLockDuration(queue, Duration.between(Instant.now(), message.getLockedUntil().toInstant()));
        }
        return lockDurations.getOrDefault(key(queue), MIN_LOCK_DURATION);
    }

    private void observeLockDuration(String queue, Duration observed) {
        Duration atLeast = observed.compareTo(MIN_LOCK_DURATION) < 0 ? MIN_LOCK_DURATION : observed;
        lockDurations.merge(key(queue), atLeast, (a, b) -> a.compareTo(b) >= 0 ? a : b);
    }

    private static String key(String queue) {
        return queue.toLowerCase(java.util.Locale.ROOT);
    }

    // ---- dead letters ----

    @Override
    public Flux<DeadLetter> list(String queue, int max) {
        if (max < 1) {
            return Flux.error(new IllegalArgumentException("max must be >= 1"));
        }
        return Flux.usingWhen(Mono.fromCallable(() -> openReceiver(queue, 0, SubQueue.DEAD_LETTER_QUEUE)),
                session -> peekFrom(session.client(), 0, max).map(message -> MessageMapping.toDeadLetter(queue,
                        message)),
                session -> Mono.fromRunnable(session::stopReceiving));
    }

    /** Peeks page by page: the broker may answer a peek with fewer messages than asked even when more exist. */
    private static Flux<ServiceBusReceivedMessage> peekFrom(ServiceBusReceiverAsyncClient client, long fromSequence,
            int remaining) {
        return client.peekMessages(remaining, fromSequence).collectList().flatMapMany(page -> {
            if (page.isEmpty() || page.size() >= remaining) {
                return Flux.fromIterable(page);
            }
            long next = page.get(page.size() - 1).getSequenceNumber() + 1;
            return Flux.fromIterable(page).concatWith(peekFrom(client, next, remaining - page.size()));
        });
    }

    @Override
    public Mono<ReplayResult> replay(String queue, int max) {
        if (max < 1) {
            return Mono.error(new IllegalArgumentException("max must be >= 1"));
        }
        return replayMatching(queue, message -> true, max);
    }

    @Override
    public Mono<ReplayResult> replay(String queue, Set<String> messageIds) {
        if (messageIds == null || messageIds.isEmpty()) {
            return Mono.error(new IllegalArgumentException("messageIds must not be empty"));
        }
        Set<String> ids = Set.copyOf(messageIds);
        return replayMatching(queue, message -> ids.contains(message.getMessageId()), ids.size());
    }

    /**
     * Receives dead-lettered messages one at a time and replays the selected ones (send to the queue, then complete
     * the dead-letter copy). Messages looked at but not replayed stay locked until the end and are then abandoned,
     * so a scan never sees one twice.
     */
    private Mono<ReplayResult> replayMatching(String queue, Predicate<ServiceBusReceivedMessage> selected,
            int wanted) {
        return Mono.usingWhen(Mono.fromCallable(() -> openReceiver(queue, 0, SubQueue.DEAD_LETTER_QUEUE)),
                session -> {
                    ServiceBusReceiverAsyncClient client = session.client();
                    List<String> replayed = Collections.synchronizedList(new ArrayList<>());
                    List<String> skipped = Collections.synchronizedList(new ArrayList<>());
                    List<ServiceBusReceivedMessage> held = Collections.synchronizedList(new ArrayList<>());
                    AtomicInteger matched = new AtomicInteger();
                    Duration window = properties.duplicateDetectionWindow();
                    return client.receiveMessages()
                            .timeout(properties.deadLetterWait())
                            .onErrorResume(TimeoutException.class, drained -> Flux.empty())
                            .take(properties.deadLetterScanLimit())
                            .concatMap(message -> {
                                if (!selected.test(message)) {
                                    held.add(message);
                                    return Mono.just(false);
                                }
                                int count = matched.incrementAndGet();
                                if (!window.isZero() && message.getEnqueuedTime() != null && message.getEnqueuedTime()
                                        .toInstant().plus(window).isAfter(Instant.now())) {
                                    log.warn("Not replaying message {} of queue {} yet: the broker saw its id less "
                                            + "than the duplicate detection window ({}) ago and would drop it",
                                            message.getMessageId(), queue, window);
                                    skipped.add(message.getMessageId());
                                    held.add(message);
                                    return Mono.just(count >= wanted);
                                }
                                return sender(queue).sendMessage(MessageMapping.toReplay(message))
                                        .then(client.complete(message))
                                        .doOnSuccess(done -> replayed.add(message.getMessageId()))
                                        .thenReturn(count >= wanted);
                            }, 0)
                            .takeUntil(done -> done)
                            .then(Mono.defer(() -> Flux.fromIterable(List.copyOf(held))
                                    .concatMap(message -> client.abandon(message)
                                            .onErrorResume(error -> {
                                                log.debug("Abandoning dead-lettered message {} failed: {}",
                                                        message.getMessageId(), error.toString());
                                                return Mono.empty();
                                            }))
                                    .then()))
                            .then(Mono.fromSupplier(() -> {
                                log.info("Replayed {} dead-lettered messages of queue {} ({} skipped)",
                                        replayed.size(), queue, skipped.size());
                                return new ReplayResult(replayed, skipped);
                            }));
                },
                session -> Mono.fromRunnable(session::stopReceiving))
                .onErrorMap(ServiceBusErrors::translate);
    }

    // ---- lifecycle ----

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ReceiverSession session : List.copyOf(receivers)) {
            session.closeNow();
        }
        for (ServiceBusSenderAsyncClient sender : senders.values()) {
            try {
                sender.close();
            } catch (RuntimeException e) {
                log.debug("Closing a Service Bus sender failed: {}", e.toString());
            }
        }
        senders.clear();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("The Service Bus message bus is closed");
        }
    }

    private static void requireQueue(String queue) {
        if (queue == null || queue.isBlank()) {
            throw new IllegalArgumentException("queue name must not be empty");
        }
    }

    @Override
    public String toString() {
        return "ServiceBusMessageBus[" + properties + "]";
    }
}
