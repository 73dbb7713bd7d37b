package io.matterpipeline.testkit.reactive;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Signal;

/**
 * A subscriber that records every signal it is sent and lets a test wait for them in real time with the thread
 * parked: for a wait that lasts (a quiet period of seconds over a real broker, demand given by hand between waits).
 *
 * <p>Why not {@code StepVerifier}: its {@code verify} polls for the end of the scenario in a loop with a 10 ns
 * timeout, so a test that waits in real time through it keeps a core busy for as long as it waits (reactor-core
 * issue 4054); on a 2-core build that is CPU taken from every other test. Keep {@code StepVerifier} for virtual time
 * and for publishers that finish at once.
 *
 * <p>Requests only what it is told to: {@code initialRequest} on subscription, then {@link #request(long)}.
 * {@link #cancel()} it when done with an endless publisher.
 */
public final class RecordingSubscriber<T> extends BaseSubscriber<T> {

    private final long initialRequest;
    private final BlockingQueue<Signal<T>> signals = new LinkedBlockingQueue<>();

    private RecordingSubscriber(long initialRequest) {
        this.initialRequest = initialRequest;
    }

    /** Subscribes to {@code publisher}, requesting {@code initialRequest} at once (0: nothing until asked). */
    public static <T> RecordingSubscriber<T> subscribe(Publisher<T> publisher, long initialRequest) {
        RecordingSubscriber<T> subscriber = new RecordingSubscriber<>(initialRequest);
        publisher.subscribe(subscriber);
        return subscriber;
    }

    /**
     * Every signal that arrives within {@code period}, waiting out the whole period (a quiet period: a test asserts
     * the list is empty); signals recorded before the call and not yet taken are included.
     */
    public List<Signal<T>> signalsWithin(Duration period) {
        List<Signal<T>> received = new ArrayList<>();
        long deadline = System.nanoTime() + period.toNanos();
        for (long left = period.toNanos(); left > 0; left = deadline - System.nanoTime()) {
            Signal<T> signal = poll(left);
            if (signal != null) {
                received.add(signal);
            }
        }
        signals.drainTo(received);
        return received;
    }

    /** The next signal not yet taken, waiting at most {@code timeout} for it; null if none came. */
    public Signal<T> next(Duration timeout) {
        return poll(timeout.toNanos());
    }

    private Signal<T> poll(long nanos) {
        try {
            return signals.poll(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a signal", e);
        }
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        if (initialRequest > 0) {
            subscription.request(initialRequest);
        }
    }

    @Override
    protected void hookOnNext(T value) {
        signals.add(Signal.next(value));
    }

    @Override
    protected void hookOnComplete() {
        signals.add(Signal.complete());
    }

    @Override
    protected void hookOnError(Throwable error) {
        signals.add(Signal.error(error));
    }
}
