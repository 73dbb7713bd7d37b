package io.matterpipeline.testkit.ollama;

import java.time.Duration;
import java.util.ArrayDeque;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A fixed number of generation slots with a bounded FIFO of waiting calls, like Ollama's scheduler: no thread ever
 * waits, a waiting call is a parked {@link MonoSink}.
 *
 * <p>Ownership is tracked per {@link Ticket}, not per signal, so a call cancelled at any moment (queued, being granted,
 * or running) gives its slot or its queue place back exactly once, through {@link #release(Ticket)}.
 */
final class SlotQueue {

    /** Signals that the queue is full; the call must be answered 503. */
    static final class QueueFullException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        QueueFullException() {
            super("maximum pending requests exceeded", null, false, false);
        }
    }

    /** One call's claim on a slot. */
    static final class Ticket {
        private State state = State.NEW;
        private MonoSink<Void> sink;
        /** When a slot was handed over to it after it waited; 0 if it never waited. */
        private volatile long handedOverNanos;

        /**
         * How much of {@code generation} is left at {@code nowNanos}: generation starts when the call arrived
         * ({@code arrivalNanos}, {@link System#nanoTime()}) if a slot was free then, else when a slot was handed over
         * to it. So the answer is ready {@code generation} after the call arrived (or got its slot), however long the
         * simulator itself took to read the request and compose the answer meanwhile.
         */
        Duration generationLeft(Duration generation, long arrivalNanos, long nowNanos) {
            long handedOver = handedOverNanos;
            long startedNanos = handedOver != 0 ? handedOver : arrivalNanos;
            Duration left = generation.minusNanos(nowNanos - startedNanos);
            return left.isNegative() ? Duration.ZERO : left;
        }
    }

    private enum State { NEW, QUEUED, GRANTED, RELEASED }

    private final int slots;
    private final int maxQueue;
    private final ArrayDeque<Ticket> waiting = new ArrayDeque<>();
    private int busy;
    private int peakQueued;

    SlotQueue(int slots, int maxQueue) {
        this.slots = slots;
        this.maxQueue = maxQueue;
    }

    /**
     * Completes when {@code ticket} holds a slot, at once if one is free; fails with {@link QueueFullException} when
     * no slot is free and the queue is full. The caller must call {@link #release(Ticket)} when the call ends, however
     * it ends.
     */
    Mono<Void> acquire(Ticket ticket) {
        return Mono.create(sink -> {
            boolean granted = false;
            boolean rejected = false;
            synchronized (this) {
                if (ticket.state != State.NEW) {
                    rejected = ticket.state == State.RELEASED;
                } else if (busy < slots) {
                    busy++;
                    ticket.state = State.GRANTED;
                    granted = true;
                } else if (waiting.size() < maxQueue) {
                    ticket.state = State.QUEUED;
                    ticket.sink = sink;
                    waiting.addLast(ticket);
                    peakQueued = Math.max(peakQueued, waiting.size());
                } else {
                    ticket.state = State.RELEASED;
                    rejected = true;
                }
            }
            if (granted) {
                sink.success();
            } else if (rejected) {
                sink.error(new QueueFullException());
            }
        });
    }

    /** Gives back the slot or queue place of {@code ticket}; idempotent. */
    void release(Ticket ticket) {
        MonoSink<Void> handOver = null;
        synchronized (this) {
            State was = ticket.state;
            ticket.state = State.RELEASED;
            ticket.sink = null;
            if (was == State.QUEUED) {
                waiting.remove(ticket);
            } else if (was == State.GRANTED) {
                Ticket next = waiting.pollFirst();
                if (next == null) {
                    busy--;
                } else {
                    // The slot passes straight to the next call: busy stays the same.
                    next.state = State.GRANTED;
                    next.handedOverNanos = System.nanoTime();
                    handOver = next.sink;
                    next.sink = null;
                }
            }
        }
        if (handOver != null) {
            handOver.success();
        }
    }

    synchronized int queued() {
        return waiting.size();
    }

    synchronized int peakQueued() {
        return peakQueued;
    }

    synchronized void resetPeak() {
        peakQueued = waiting.size();
    }
}
