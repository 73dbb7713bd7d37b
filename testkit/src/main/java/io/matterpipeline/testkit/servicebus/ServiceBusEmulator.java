package io.matterpipeline.testkit.servicebus;

import java.net.BindException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import io.matterpipeline.testkit.net.LoopbackPorts;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

/**
 * An in-process Azure Service Bus emulator speaking AMQP 1.0 on 127.0.0.1, for the unmodified Service Bus SDKs
 * (connection strings with {@code UseDevelopmentEmulator=true}): queues with dead-letter sub-queues, peek-lock and
 * receive-and-delete, lock renewal and expiry, max delivery count, deferral, scheduling and duplicate detection.
 * Messages live in memory; they survive {@link #restart()} but not {@link #close()}, unless the options name a data
 * directory: then every acknowledged message is journaled there and survives even a killed process.
 *
 * <pre>{@code
 * try (ServiceBusEmulator emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
 *         .withQueue(QueueOptions.named("pages").withLockDuration(Duration.ofSeconds(2))))) {
 *     ServiceBusClientBuilder builder = new ServiceBusClientBuilder().connectionString(emulator.connectionString());
 * }
 * }</pre>
 */
public final class ServiceBusEmulator implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(10);
    /** Ports tried when the options leave the choice to the emulator; another process may bind one first. */
    private static final int BIND_ATTEMPTS = 10;
    private static final Duration REBIND_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REBIND_PAUSE = Duration.ofMillis(20);

    private final ServiceBusEmulatorOptions options;
    private final Vertx vertx;
    private final Context context;
    private final Namespace namespace;
    private final ManagementNode management;
    private final Set<ClientConnection> connections = new LinkedHashSet<>();
    private NetServer server;
    private int port;

    private ServiceBusEmulator(ServiceBusEmulatorOptions options) {
        this.options = options;
        // One event loop: every entity, lock and connection is confined to it, so none needs a lock. No class-path
        // file resolving: the emulator serves no files, and its cache directory (vertx-cache-* in java.io.tmpdir)
        // would be left behind by every emulator process that is killed rather than closed.
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1)
                .setFileSystemOptions(new FileSystemOptions().setClassPathResolvingEnabled(false)));
        this.context = vertx.getOrCreateContext();
        this.namespace = new Namespace(vertx, options.queues(), options.dataDirectory());
        this.management = new ManagementNode(namespace);
        this.port = options.port();
    }

    /**
     * Starts an emulator and waits until it listens.
     *
     * @throws IllegalStateException when the port cannot be bound
     */
    public static ServiceBusEmulator start(ServiceBusEmulatorOptions options) {
        Objects.requireNonNull(options, "options");
        ServiceBusEmulator emulator = new ServiceBusEmulator(options);
        try {
            emulator.listenFirst();
        } catch (RuntimeException e) {
            emulator.vertx.close();
            throw e;
        }
        return emulator;
    }

    /** The port clients connect to (fixed across {@link #restart()}). */
    public int port() {
        return port;
    }

    /** A connection string for the Service Bus SDKs; the key is not checked. */
    public String connectionString() {
        return "Endpoint=sb://localhost:" + port
                + ";SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true";
    }

    public ServiceBusEmulatorOptions options() {
        return options;
    }

    /**
     * Simulates a broker restart: closes every client connection ({@code amqp:connection:forced}) and the listening
     * socket, then listens again on the same port. Messages, locks and schedules are kept; clients must reconnect.
     *
     * @throws IllegalStateException when the port cannot be bound again
     */
    public void restart() {
        stop();
        listenAgain();
    }

    /**
     * Stops listening and closes every client connection, keeping the messages; {@link #restart()} listens again.
     */
    public void stop() {
        await(() -> {
            new LinkedHashSet<>(connections).forEach(ClientConnection::close);
            connections.clear();
            NetServer current = server;
            server = null;
            return current == null ? Future.succeededFuture() : current.close();
        });
    }

    /** Active messages of a queue (available or locked), excluding deferred and scheduled ones. */
    public int activeMessageCount(String queue) {
        return call(() -> existing(queue).activeMessageCount());
    }

    /** Messages in the dead-letter sub-queue of a queue. */
    public int deadLetterMessageCount(String queue) {
        return call(() -> existing(queue).deadLetterQueue().activeMessageCount());
    }

    public int scheduledMessageCount(String queue) {
        return call(() -> existing(queue).scheduledMessageCount());
    }

    public int deferredMessageCount(String queue) {
        return call(() -> existing(queue).deferredMessageCount());
    }

    /**
     * What each queue holds and has delivered since this emulator started (the delivery counters start at zero again
     * in a new process, even on the same data directory).
     */
    public Map<String, QueueStats> stats() {
        return call(() -> {
            Map<String, QueueStats> stats = new LinkedHashMap<>();
            for (QueueOptions queue : options.queues()) {
                EntityQueue entity = existing(queue.name());
                stats.put(queue.name(), new QueueStats(entity.activeMessageCount(),
                        entity.deadLetterQueue().activeMessageCount(), entity.scheduledMessageCount(),
                        entity.deliveries(), entity.redeliveries()));
            }
            return stats;
        });
    }

    /** Stops the emulator; its messages are gone, unless it journals them in a data directory. */
    @Override
    public void close() {
        try {
            stop();
            call(() -> {
                namespace.cancelTimers();
                namespace.closeJournal();
                return null;
            });
        } finally {
            try {
                vertx.close().toCompletionStage().toCompletableFuture()
                        .get(CONTROL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // Closing anyway; nothing else to release.
            }
        }
    }

    @Override
    public String toString() {
        return "ServiceBusEmulator[" + HOST + ":" + port + ", queues=" + options.queues().size() + "]";
    }

    private EntityQueue existing(String queue) {
        EntityQueue entity = namespace.queue(queue);
        if (entity == null) {
            throw new IllegalArgumentException("No queue '" + queue + "' in this emulator");
        }
        return entity;
    }

    /**
     * Binds the configured port or, when the options say 0, a port outside the OS's ephemeral range
     * ({@link LoopbackPorts}): {@link #restart()} binds the same port again, and a port the OS chose could have been
     * taken meanwhile by an outgoing connection, typically a client reconnecting to it.
     */
    private void listenFirst() {
        if (port != 0) {
            listen();
            return;
        }
        RuntimeException last = null;
        for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
            port = LoopbackPorts.next();
            try {
                listen();
                return;
            } catch (RuntimeException taken) {
                // Another process bound it between the check and this bind: try another.
                last = taken;
            }
        }
        port = 0;
        throw last;
    }

    /**
     * Binds the port again after {@link #stop()}. A socket of the old listener may still hold it for a moment, so a
     * refused bind is tried again for up to {@link #REBIND_TIMEOUT}; the port itself lies outside the ephemeral range,
     * so no outgoing connection can hold it.
     */
    private void listenAgain() {
        long deadline = System.nanoTime() + REBIND_TIMEOUT.toNanos();
        while (true) {
            try {
                listen();
                return;
            } catch (IllegalStateException e) {
                if (!isBindRefused(e) || System.nanoTime() > deadline) {
                    throw e;
                }
                LockSupport.parkNanos(REBIND_PAUSE.toNanos());
            }
        }
    }

    private static boolean isBindRefused(IllegalStateException e) {
        // NIO reports a BindException; Netty's native transports an IOException with the OS message.
        return e.getCause() instanceof BindException
                || e.getCause() instanceof java.io.IOException && String.valueOf(e.getMessage())
                        .contains("Address already in use");
    }

    private void listen() {
        NetServer listening = await(() -> vertx.createNetServer(new NetServerOptions().setHost(HOST).setPort(port)
                        .setTcpNoDelay(true).setReuseAddress(true))
                .connectHandler(socket -> {
                    ClientConnection[] self = new ClientConnection[1];
                    self[0] = new ClientConnection(socket, namespace, management, vertx, options.maxMessageSize(),
                            () -> connections.remove(self[0]));
                    connections.add(self[0]);
                })
                .listen());
        server = listening;
        port = listening.actualPort();
    }

    /** Runs a task on the event loop and waits for the future it returns. */
    private <T> T await(Supplier<Future<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(ignored -> {
            try {
                task.get().onComplete(done -> {
                    if (done.succeeded()) {
                        result.complete(done.result());
                    } else {
                        result.completeExceptionally(done.cause());
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return join(result);
    }

    /** Runs a computation on the event loop (where all state lives) and waits for its value. */
    private <T> T call(Supplier<T> task) {
        return await(() -> Future.succeededFuture(task.get()));
    }

    private static <T> T join(CompletableFuture<T> result) {
        try {
            return result.get(CONTROL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("The emulator did not answer within " + CONTROL_TIMEOUT, e);
        }
    }
}
