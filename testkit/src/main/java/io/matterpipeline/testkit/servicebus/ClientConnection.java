package io.matterpipeline.testkit.servicebus;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import org.apache.qpid.proton.Proton;
import org.apache.qpid.proton.amqp.UnsignedLong;
import org.apache.qpid.proton.amqp.messaging.Accepted;
import org.apache.qpid.proton.amqp.messaging.Rejected;
import org.apache.qpid.proton.amqp.transport.AmqpError;
import org.apache.qpid.proton.amqp.transport.ConnectionError;
import org.apache.qpid.proton.amqp.transport.DeliveryState;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;
import org.apache.qpid.proton.amqp.transport.SenderSettleMode;
import org.apache.qpid.proton.amqp.transport.Source;
import org.apache.qpid.proton.amqp.transport.Target;
import org.apache.qpid.proton.engine.Collector;
import org.apache.qpid.proton.engine.Connection;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.EndpointState;
import org.apache.qpid.proton.engine.Event;
import org.apache.qpid.proton.engine.Link;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.engine.Sasl;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.engine.Session;
import org.apache.qpid.proton.engine.Transport;
import org.apache.qpid.proton.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's AMQP connection: bytes from the socket go through a proton-j transport, the resulting events are
 * mapped onto the namespace, and the transport's output goes back to the socket. Runs on the emulator's event loop.
 */
final class ClientConnection {

    private static final Logger LOG = LoggerFactory.getLogger(ClientConnection.class);
    private static final int MAX_FRAME_SIZE = 65_536;
    private static final int RECEIVE_CREDIT = 100;
    /** How often to look again while the client's idle timeout is still unknown (before its Open). */
    private static final long IDLE_CHECK_MILLIS = 1_000;

    private final NetSocket socket;
    private final Namespace namespace;
    private final ManagementNode management;
    private final Vertx vertx;
    private final int maxMessageSize;
    private final Runnable onClosed;
    private final Transport transport = Proton.transport();
    private final Connection connection = Proton.connection();
    private final Collector collector = Proton.collector();
    private final Sasl sasl;
    private final List<Sender> replyLinks = new ArrayList<>();
    private final Map<Sender, QueueConsumer> consumers = new LinkedHashMap<>();
    private long tickTimer;
    private long replyTag;
    private boolean processing;
    private boolean closed;

    ClientConnection(NetSocket socket, Namespace namespace, ManagementNode management, Vertx vertx,
                     int maxMessageSize, Runnable onClosed) {
        this.socket = socket;
        this.namespace = namespace;
        this.management = management;
        this.vertx = vertx;
        this.maxMessageSize = maxMessageSize;
        this.onClosed = onClosed;
        transport.setMaxFrameSize(MAX_FRAME_SIZE);
        transport.setEmitFlowEventOnSend(false);
        sasl = transport.sasl();
        sasl.server();
        sasl.allowSkip(false);
        // The SDKs authenticate through CBS: Java sends ANONYMOUS, .NET MSSBCBS.
        sasl.setMechanisms("MSSBCBS", "ANONYMOUS");
        transport.bind(connection);
        connection.collect(collector);
        socket.handler(this::onBytes);
        socket.closeHandler(ignored -> onSocketClosed());
        socket.exceptionHandler(error -> {
            LOG.debug("Socket error, closing the connection", error);
            socket.close();
        });
        tickTimer = vertx.setTimer(IDLE_CHECK_MILLIS, id -> tick());
    }

    /** Closes the connection as a restarting broker would: Close with amqp:connection:forced, then the socket. */
    void close() {
        if (closed) {
            return;
        }
        try {
            connection.setCondition(new ErrorCondition(ConnectionError.CONNECTION_FORCED,
                    "The Service Bus emulator is shutting down."));
            connection.close();
            flush();
        } catch (RuntimeException e) {
            LOG.debug("Could not send Close", e);
        }
        socket.close();
    }

    private void onBytes(Buffer buffer) {
        if (closed) {
            return;
        }
        try {
            byte[] bytes = buffer.getBytes();
            int offset = 0;
            while (offset < bytes.length) {
                if (transport.capacity() <= 0) {
                    throw new IllegalStateException("The transport no longer accepts input");
                }
                ByteBuffer tail = transport.tail();
                int length = Math.min(tail.remaining(), bytes.length - offset);
                tail.put(bytes, offset, length);
                offset += length;
                transport.process();
            }
            // Any mechanism is accepted once the client has chosen one (ANONYMOUS or MSSBCBS): auth is CBS.
            if (sasl.getOutcome() == Sasl.SaslOutcome.PN_SASL_NONE && sasl.getRemoteMechanisms().length > 0) {
                sasl.done(Sasl.SaslOutcome.PN_SASL_OK);
            }
            processEvents();
        } catch (RuntimeException e) {
            LOG.debug("Protocol error, closing the connection", e);
            flush();
            socket.close();
            return;
        }
        flush();
    }

    private void processEvents() {
        if (processing) {
            return;
        }
        processing = true;
        try {
            Event event;
            while ((event = collector.peek()) != null) {
                try {
                    handle(event);
                } catch (RuntimeException e) {
                    LOG.warn("Failed to handle {}", event.getType(), e);
                } finally {
                    collector.pop();
                }
            }
        } finally {
            processing = false;
        }
    }

    private void handle(Event event) {
        switch (event.getType()) {
            case CONNECTION_REMOTE_OPEN -> {
                connection.setContainer("servicebus-emulator");
                connection.open();
            }
            case CONNECTION_REMOTE_CLOSE -> connection.close();
            case SESSION_REMOTE_OPEN -> {
                if (event.getSession().getLocalState() == EndpointState.UNINITIALIZED) {
                    event.getSession().open();
                }
            }
            case SESSION_REMOTE_CLOSE -> endSession(event.getSession());
            case LINK_REMOTE_OPEN -> attach(event.getLink());
            case LINK_REMOTE_DETACH -> detach(event.getLink(), false);
            case LINK_REMOTE_CLOSE -> detach(event.getLink(), true);
            case LINK_FLOW -> {
                QueueConsumer consumer = consumers.get(event.getLink());
                if (consumer != null) {
                    consumer.queue().dispatch();
                }
            }
            case DELIVERY -> {
                if (event.getLink() instanceof Receiver receiver) {
                    receiveTransfers(receiver);
                } else {
                    settle(event.getDelivery());
                }
            }
            default -> {
                // Local and transport events need no action.
            }
        }
    }

    // ---- links ----

    private void attach(Link link) {
        if (link.getLocalState() != EndpointState.UNINITIALIZED) {
            return;
        }
        link.setSenderSettleMode(link.getRemoteSenderSettleMode());
        link.setReceiverSettleMode(link.getRemoteReceiverSettleMode());
        if (link instanceof Receiver receiver) {
            attachIncoming(receiver);
        } else {
            attachOutgoing((Sender) link);
        }
    }

    /** The client sends on this link: to an entity, or requests to {@code $cbs} / {@code $management}. */
    private void attachIncoming(Receiver receiver) {
        Target target = receiver.getRemoteTarget();
        String address = target == null ? null : target.getAddress();
        receiver.setSource(receiver.getRemoteSource());
        if (Namespace.isCbsAddress(address)) {
            receiver.setContext(new RequestNode(address, null));
        } else if (Namespace.isManagementAddress(address)) {
            String entityAddress = address.substring(0, address.length() - Namespace.MANAGEMENT_SUFFIX.length());
            EntityQueue entity = namespace.resolve(entityAddress);
            if (entity == null) {
                refuse(receiver, entityAddress);
                return;
            }
            receiver.setContext(new RequestNode(address, entity));
        } else {
            EntityQueue entity = namespace.resolve(address);
            if (entity == null || entity.isDeadLetterQueue()) {
                refuse(receiver, address);
                return;
            }
            receiver.setContext(entity);
            receiver.setMaxMessageSize(UnsignedLong.valueOf(maxMessageSize));
        }
        receiver.setTarget(target);
        receiver.open();
        receiver.flow(RECEIVE_CREDIT);
    }

    /** The client receives on this link: from an entity, or replies from a request/response node. */
    private void attachOutgoing(Sender sender) {
        Source source = sender.getRemoteSource();
        String address = source == null ? null : source.getAddress();
        sender.setTarget(sender.getRemoteTarget());
        if (Namespace.isCbsAddress(address) || Namespace.isManagementAddress(address)) {
            sender.setSource(source);
            sender.open();
            replyLinks.add(sender);
            return;
        }
        EntityQueue entity = namespace.resolve(address);
        if (entity == null) {
            refuse(sender, address);
            return;
        }
        sender.setSource(source);
        sender.open();
        QueueConsumer consumer = new QueueConsumer(sender, this, entity,
                sender.getRemoteSenderSettleMode() == SenderSettleMode.SETTLED);
        consumers.put(sender, consumer);
        entity.addConsumer(consumer);
    }

    /** Service Bus refuses an unknown entity with an attach without terminus, then a detach with amqp:not-found. */
    private static void refuse(Link link, String address) {
        if (link instanceof Sender) {
            link.setSource(null);
        } else {
            link.setTarget(null);
        }
        link.open();
        link.setCondition(new ErrorCondition(AmqpError.NOT_FOUND,
                "The messaging entity '" + address + "' could not be found."));
        link.close();
    }

    private void detach(Link link, boolean close) {
        QueueConsumer consumer = consumers.remove(link);
        if (consumer != null) {
            // Its locks stay: the SDK settles them through $management after the link is gone.
            consumer.queue().removeConsumer(consumer);
        }
        replyLinks.remove(link);
        if (link.getLocalState() != EndpointState.CLOSED) {
            if (close) {
                link.close();
            } else {
                link.detach();
            }
        }
    }

    private void endSession(Session session) {
        for (Sender link : new ArrayList<>(consumers.keySet())) {
            if (link.getSession() == session) {
                detach(link, true);
            }
        }
        replyLinks.removeIf(link -> link.getSession() == session);
        session.close();
    }

    // ---- transfers from the client ----

    private void receiveTransfers(Receiver receiver) {
        Delivery delivery;
        while ((delivery = receiver.current()) != null && !delivery.isPartial()) {
            if (delivery.isAborted()) {
                receiver.advance();
                delivery.settle();
                continue;
            }
            byte[] bytes = new byte[delivery.available()];
            receiver.recv(bytes, 0, bytes.length);
            int format = delivery.getMessageFormat();
            receiver.advance();
            DeliveryState outcome = accept(receiver.getContext(), bytes, format);
            if (!delivery.remotelySettled()) {
                delivery.disposition(outcome);
            }
            delivery.settle();
        }
        if (receiver.getLocalState() == EndpointState.ACTIVE && receiver.getCredit() < RECEIVE_CREDIT / 2) {
            receiver.flow(RECEIVE_CREDIT - receiver.getCredit());
        }
    }

    private DeliveryState accept(Object destination, byte[] bytes, int format) {
        if (destination instanceof RequestNode node) {
            Message request = Proton.message();
            request.decode(bytes, 0, bytes.length);
            Message reply = node.entity() == null ? management.putToken(request) : management.handle(node.entity(), request);
            sendReply(node.address(), request.getReplyTo(), reply);
            return Accepted.getInstance();
        }
        EntityQueue entity = (EntityQueue) destination;
        try {
            AmqpCodec.SectionedMessage sections = namespace.codec().parse(bytes);
            if (format == AmqpCodec.BATCH_MESSAGE_FORMAT) {
                for (AmqpCodec.SectionedMessage inner : namespace.codec().unbatch(sections)) {
                    entity.send(StoredMessage.from(inner, namespace.codec()));
                }
            } else {
                entity.send(StoredMessage.from(sections, namespace.codec()));
            }
            return Accepted.getInstance();
        } catch (RuntimeException e) {
            LOG.debug("Undecodable message for {}", entity.path(), e);
            Rejected rejected = new Rejected();
            rejected.setError(new ErrorCondition(AmqpError.DECODE_ERROR, String.valueOf(e.getMessage())));
            return rejected;
        }
    }

    /**
     * Replies go on this connection's link from the same node whose target is the request's reply-to: every Java
     * client uses the same reply-to literal, so routing must never be global.
     */
    private void sendReply(String nodeAddress, String replyTo, Message reply) {
        Sender link = null;
        for (Sender candidate : replyLinks) {
            Source source = candidate.getSource();
            if (candidate.getLocalState() != EndpointState.ACTIVE || source == null
                    || !nodeAddress.equalsIgnoreCase(source.getAddress())) {
                continue;
            }
            Target target = candidate.getRemoteTarget();
            if (replyTo != null && target != null && replyTo.equals(target.getAddress())) {
                link = candidate;
                break;
            }
            if (link == null) {
                link = candidate;
            }
        }
        if (link == null) {
            LOG.debug("No reply link for {} on this connection, reply dropped", nodeAddress);
            return;
        }
        byte[] encoded = AmqpCodec.encode(reply);
        Delivery delivery = link.delivery(Long.toString(replyTag++).getBytes(StandardCharsets.US_ASCII));
        link.send(encoded, 0, encoded.length);
        link.advance();
        if (link.getSenderSettleMode() == SenderSettleMode.SETTLED) {
            delivery.settle();
        }
    }

    // ---- outcomes from the client ----

    private void settle(Delivery delivery) {
        if (delivery.isSettled()) {
            return;
        }
        DeliveryState remote = delivery.getRemoteState();
        if (!(delivery.getContext() instanceof UUID token) || remote == null) {
            // Replies, or a client that settled without an outcome: nothing to apply (a lock simply expires).
            if (delivery.remotelySettled()) {
                delivery.settle();
            }
            return;
        }
        DeliveryState echo = Dispositions.settleFromLink(namespace, token, remote);
        delivery.disposition(echo);
        delivery.settle();
    }

    // ---- output ----

    /** Writes whatever the transport has produced; closes the socket once the transport's output has ended. */
    void flush() {
        if (closed) {
            return;
        }
        try {
            while (true) {
                int pending = transport.pending();
                if (pending < 0) {
                    socket.close();
                    return;
                }
                if (pending == 0) {
                    return;
                }
                ByteBuffer head = transport.head();
                byte[] chunk = new byte[pending];
                head.get(chunk);
                transport.pop(pending);
                socket.write(Buffer.buffer(chunk));
            }
        } catch (RuntimeException e) {
            LOG.debug("Transport failed, closing the connection", e);
            socket.close();
        }
    }

    /**
     * Lets proton-j write an empty frame when half the client's idle timeout (30 s for the Java SDK) has passed
     * without output, and schedules itself for the next deadline it reports.
     */
    private void tick() {
        if (closed) {
            return;
        }
        long now = TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
        long deadline = transport.tick(now);
        flush();
        long delay = deadline == 0 ? IDLE_CHECK_MILLIS : Math.max(1, deadline - now);
        tickTimer = vertx.setTimer(delay, id -> tick());
    }

    private void onSocketClosed() {
        closed = true;
        vertx.cancelTimer(tickTimer);
        for (QueueConsumer consumer : consumers.values()) {
            consumer.queue().removeConsumer(consumer);
        }
        consumers.clear();
        replyLinks.clear();
        onClosed.run();
    }

    /** A receive link to {@code $cbs} (entity null) or to an entity's {@code $management} node. */
    private record RequestNode(String address, EntityQueue entity) {
    }
}
