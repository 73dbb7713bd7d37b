package io.matterpipeline.testkit.servicebus;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
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
        // One event loop: every entity, lock and connection is confined to it, so none needs a lock.
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
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
            emulator.listen();
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
        listen();
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
