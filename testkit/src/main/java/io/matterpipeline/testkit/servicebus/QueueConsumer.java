package io.matterpipeline.testkit.servicebus;

import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.EndpointState;
import org.apache.qpid.proton.engine.Sender;

/** A client's receive link on a queue: our sending end of it, which never sends beyond the granted credit. */
final class QueueConsumer {

    private final Sender link;
    private final ClientConnection connection;
    private final EntityQueue queue;
    private final boolean receiveAndDelete;

    QueueConsumer(Sender link, ClientConnection connection, EntityQueue queue, boolean receiveAndDelete) {
        this.link = link;
        this.connection = connection;
        this.queue = queue;
        this.receiveAndDelete = receiveAndDelete;
    }

    EntityQueue queue() {
        return queue;
    }

    ClientConnection connection() {
        return connection;
    }

    boolean receiveAndDelete() {
        return receiveAndDelete;
    }

    boolean hasCredit() {
        return link.getLocalState() == EndpointState.ACTIVE && link.getRemoteState() == EndpointState.ACTIVE
                && link.getCredit() > 0;
    }

    /** Sends one transfer; a receive-and-delete transfer goes pre-settled. */
    Delivery send(byte[] message, byte[] tag, Object context) {
        Delivery delivery = link.delivery(tag);
        delivery.setContext(context);
        link.send(message, 0, message.length);
        link.advance();
        if (receiveAndDelete) {
            delivery.settle();
        }
        return delivery;
    }

    /** Answers a drain request (the Node SDK drains after a batch receive) once nothing is left to send. */
    boolean drainIfRequested() {
        if (link.getDrain() && link.getCredit() > 0 && link.getLocalState() == EndpointState.ACTIVE) {
            link.drained();
            return true;
        }
        return false;
    }
}
