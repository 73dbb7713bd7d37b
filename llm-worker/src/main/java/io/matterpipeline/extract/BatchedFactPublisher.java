package io.matterpipeline.extract;

import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.TraceContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * Sends the worker's facts to one queue in small batches: the facts published within {@code window} of the first
 * waiting one (at most {@code maxBatch}) go out in one {@link MessageBus#publishAll} send, one bus operation instead
 * of one per page. Each caller's {@code Mono} completes only when the send of its batch has completed, and fails
 * with that send's error, so a PageTask whose handling waits on it is settled only after its fact is durably sent,
 * and abandoned (retried) when the send fails. A send is never cancelled once started: a caller that cancels may see
 * its fact delivered anyway, which the aggregator's idempotence absorbs. A zero window sends each fact at once.
 */
final class BatchedFactPublisher {

    private final MessageBus bus;
    private final String queue;
    private final Duration window;
    private final int maxBatch;
    private final Scheduler timer;

    private List<Waiting> waiting = new ArrayList<>();
    private Disposable windowTimer;

    BatchedFactPublisher(MessageBus bus, String queue, Duration window, int maxBatch, Scheduler timer) {
        if (window.isNegative()) {
            throw new IllegalArgumentException("the batch window must be >= 0");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("the batch size must be >= 1");
        }
        this.bus = bus;
        this.queue = queue;
        this.window = window;
        this.maxBatch = maxBatch;
        this.timer = timer;
    }

    /** Completes once the batch holding {@code message} is sent; fails with the send's error. */
    Mono<Void> publish(OutboundMessage message) {
        if (window.isZero() || maxBatch == 1) {
            return bus.publish(queue, message);
        }
        return Mono.deferContextual(context -> {
            Sinks.Empty<Void> sent = Sinks.empty();
            // The batch is sent from a subscription of its own, without the handler's Reactor context: each fact
            // carries the trace of the page it reports on now, as a fact published at once would.
            OutboundMessage traced = TraceContext.traced(message, context);
            List<Waiting> full = null;
            synchronized (this) {
                waiting.add(new Waiting(traced, sent));
                if (waiting.size() >= maxBatch) {
                    full = takeWaiting();
                } else if (waiting.size() == 1) {
                    windowTimer = timer.schedule(this::sendWaiting, window.toNanos(), TimeUnit.NANOSECONDS);
                }
            }
            if (full != null) {
                send(full);
            }
            return sent.asMono();
        });
    }

    private void sendWaiting() {
        List<Waiting> batch;
        synchronized (this) {
            batch = takeWaiting();
        }
        if (!batch.isEmpty()) {
            send(batch);
        }
    }

    private List<Waiting> takeWaiting() {
        if (windowTimer != null) {
            windowTimer.dispose();
            windowTimer = null;
        }
        List<Waiting> batch = waiting;
        waiting = new ArrayList<>();
        return batch;
    }

    private void send(List<Waiting> batch) {
        List<OutboundMessage> messages = new ArrayList<>(batch.size());
        for (Waiting each : batch) {
            messages.add(each.message());
        }
        // Deferred: a publishAll that threw instead of failing its Mono must still fail the waiting handlers.
        Mono.defer(() -> bus.publishAll(queue, messages)).subscribe(null,
                error -> batch.forEach(each -> each.sent().tryEmitError(error)),
                () -> batch.forEach(each -> each.sent().tryEmitEmpty()));
    }

    private record Waiting(OutboundMessage message, Sinks.Empty<Void> sent) {
    }
}
