package io.matterpipeline.assemble;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * At most {@code permits} assemblies at once on this instance; the others wait their turn (their deliveries' locks
 * are renewed meanwhile). Each assembly holds merge buffers, so this is what keeps the heap flat when many documents
 * settle together. Non-blocking: a waiting assembly holds no thread.
 */
final class AssemblyPermits {

    private final AtomicInteger available;
    private final ConcurrentLinkedQueue<MonoSink<Permit>> waiting = new ConcurrentLinkedQueue<>();

    AssemblyPermits(int permits) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be >= 1");
        }
        this.available = new AtomicInteger(permits);
    }

    /** Runs {@code work} once a permit is free, and frees it when {@code work} ends in any way. */
    <T> Mono<T> run(Mono<T> work) {
        return Mono.usingWhen(acquire(), permit -> work, permit -> Mono.fromRunnable(permit::release));
    }

    /** Permits free right now. */
    int available() {
        return available.get();
    }

    private Mono<Permit> acquire() {
        return Mono.<Permit>create(sink -> {
            Permit permit = new Permit();
            if (tryTake()) {
                sink.success(permit);
                return;
            }
            waiting.add(sink);
            sink.onCancel(() -> waiting.remove(sink));
            // A permit freed between tryTake and add would wait for the next release: hand it over now.
            drain();
        }).doOnDiscard(Permit.class, Permit::release); // handed to a waiter that was cancelled meanwhile
    }

    private boolean tryTake() {
        int current;
        do {
            current = available.get();
            if (current == 0) {
                return false;
            }
        } while (!available.compareAndSet(current, current - 1));
        return true;
    }

    private void drain() {
        while (!waiting.isEmpty() && tryTake()) {
            MonoSink<Permit> next = waiting.poll();
            if (next == null) {
                available.incrementAndGet();
                return;
            }
            next.success(new Permit());
        }
    }

    /** One taken permit; released once. */
    private final class Permit {
        private boolean released;

        synchronized void release() {
            if (!released) {
                released = true;
                available.incrementAndGet();
                drain();
            }
        }
    }
}
