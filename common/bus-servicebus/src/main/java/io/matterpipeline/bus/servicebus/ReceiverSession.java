package io.matterpipeline.bus.servicebus;

import com.azure.messaging.servicebus.ServiceBusReceiverAsyncClient;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Schedulers;

/**
 * One receiver client and the deliveries it handed out. Settling needs the client that received the message, so
 * when receiving stops the client stays open until the last of its deliveries is settled (or the bus closes).
 */
final class ReceiverSession {

    private static final Logger log = LoggerFactory.getLogger(ReceiverSession.class);

    private final String queue;
    private final ServiceBusReceiverAsyncClient client;
    private final Consumer<ReceiverSession> onClose;
    private final AtomicInteger unsettled = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean receiving = true;

    ReceiverSession(String queue, ServiceBusReceiverAsyncClient client, Consumer<ReceiverSession> onClose) {
        this.queue = queue;
        this.client = client;
        this.onClose = onClose;
    }

    String queue() {
        return queue;
    }

    ServiceBusReceiverAsyncClient client() {
        return client;
    }

    void handedOut() {
        unsettled.incrementAndGet();
    }

    /** One delivery was settled (or given up): the last one of a stopped session closes it. */
    void settled() {
        if (unsettled.decrementAndGet() <= 0 && !receiving) {
            closeLater();
        }
    }

    /** The receive subscription ended: close now if nothing is in flight, else when the last delivery settles. */
    void stopReceiving() {
        receiving = false;
        if (unsettled.get() <= 0) {
            closeLater();
        }
    }

    /** Closes off the caller's thread: the SDK's close may wait for its links, and settle callbacks run on its I/O. */
    void closeLater() {
        if (closed.compareAndSet(false, true)) {
            Schedulers.boundedElastic().schedule(this::closeClient);
        }
    }

    /** Closes on the caller's thread (bus shutdown). */
    void closeNow() {
        if (closed.compareAndSet(false, true)) {
            closeClient();
        }
    }

    private void closeClient() {
        try {
            client.close();
        } catch (RuntimeException e) {
            log.debug("Closing the receiver of queue {} failed: {}", queue, e.toString());
        } finally {
            onClose.accept(this);
        }
    }
}
