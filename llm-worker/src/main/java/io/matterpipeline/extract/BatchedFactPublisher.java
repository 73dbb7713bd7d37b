package io.matterpipeline.extract;

import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.TraceContext;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PagesExtracted;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.Context;

/**
 * Sends the worker's {@link PageExtracted} facts to one queue in small batches: the facts published within
 * {@code window} of the first waiting one, at most {@code maxBatch} of them and {@code maxBytes} of message body, go
 * out in one {@link MessageBus#publishAll} send, as one {@link PagesExtracted} message per Matter (a Matter with a
 * single fact in the batch gets a plain {@link PageExtracted}). So the batch costs one send here and one delivery and
 * one settlement per Matter at the aggregator, instead of one of each per page. Each fact keeps the traceparent of
 * the handler that published it (inside the batch message), so the aggregator handles it in its page's trace.
 *
 * <p>Each caller's {@code Mono} completes only when the send of its batch has completed, and fails with that send's
 * error, so a PageTask whose handling waits on it is settled only after its fact is durably sent, and abandoned
 * (retried) when the send fails. A send is never cancelled once started: a caller that cancels may see its fact
 * delivered anyway, which the aggregator's idempotence absorbs. A zero window (or {@code maxBatch} 1) sends each fact
 * at once as a {@link PageExtracted}.
 *
 * <p>A batch also goes before its window ends when no other fact can join it: when every page this worker has in hand
 * (its handling wrapped in {@link #inHand}) has its fact waiting in it. So the last pages of a run, or of a quiet
 * moment, do not wait out the window for facts that are not coming (it was most of the time from a Matter's last
 * model call to its fact reaching the aggregator).
 */
final class BatchedFactPublisher {

    /**
     * An upper bound of a batch message's body without its pages: type, a Matter id of at most 64 characters,
     * schema version and the JSON around them.
     */
    static final int ENVELOPE_BYTES = 192;

    private final MessageBus bus;
    private final String queue;
    private final Duration window;
    private final int maxBatch;
    private final long maxBytes;
    private final Scheduler timer;

    /** Pages being handled ({@link #inHand}) that may still publish a fact. */
    private final AtomicInteger pagesInHand = new AtomicInteger();
    private List<Waiting> waiting = new ArrayList<>();
    private long waitingBytes;
    private Disposable windowTimer;

    BatchedFactPublisher(MessageBus bus, String queue, Duration window, int maxBatch, long maxBytes,
            Scheduler timer) {
        if (window.isNegative()) {
            throw new IllegalArgumentException("the batch window must be >= 0");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("the batch size must be >= 1");
        }
        if (maxBytes < WorkerProperties.Facts.MIN_BATCH_BYTES.toBytes()) {
            throw new IllegalArgumentException("the batch byte bound must be >= "
                    + WorkerProperties.Facts.MIN_BATCH_BYTES);
        }
        this.bus = bus;
        this.queue = queue;
        this.window = window;
        this.maxBatch = maxBatch;
        this.maxBytes = maxBytes;
        this.timer = timer;
    }

    /** Completes once the batch holding {@code fact} is sent; fails with the send's error. */
    Mono<Void> publish(PageExtracted fact) {
        if (window.isZero() || maxBatch == 1) {
            return bus.publish(queue, MessageCodec.encode(fact));
        }
        return Mono.deferContextual(context -> {
            Sinks.Empty<Void> sent = Sinks.empty();
            // The batch is sent from a subscription of its own, without the handler's Reactor context: the fact
            // takes the trace of the page it reports on now, as a fact published at once would.
            PagesExtracted.Page page = new PagesExtracted.Page(fact.documentId(), fact.pageNumber(),
                    fact.extractionBlob(), TraceContext.outgoing(context));
            Waiting added = new Waiting(fact.matterId(), page, bytesOf(page), sent);
            List<Waiting> full = null;
            synchronized (this) {
                if (!waiting.isEmpty() && ENVELOPE_BYTES + waitingBytes + added.bytes() > maxBytes) {
                    // No room left in the batch: it goes now, and this fact starts the next one.
                    full = takeWaiting();
                }
                waiting.add(added);
                waitingBytes += added.bytes();
                if (waiting.size() >= maxBatch || everyPageInHandWaits()) {
                    full = full == null ? takeWaiting() : full;
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

    /**
     * Counts {@code handling}, one page's handling, as a page in hand from its subscription to its end: while it runs
     * it may still publish a fact; once it ended, a batch waiting only for it goes at once.
     */
    Mono<Void> inHand(Mono<Void> handling) {
        return Mono.defer(() -> {
            pagesInHand.incrementAndGet();
            return handling.doFinally(signal -> {
                pagesInHand.decrementAndGet();
                List<Waiting> batch;
                synchronized (this) {
                    batch = everyPageInHandWaits() ? takeWaiting() : List.of();
                }
                if (!batch.isEmpty()) {
                    send(batch);
                }
            });
        });
    }

    /** Whether no page in hand can add a fact to the waiting batch; holds {@code this}. */
    private boolean everyPageInHandWaits() {
        int inHand = pagesInHand.get();
        return !waiting.isEmpty() && inHand > 0 && waiting.size() >= inHand;
    }

    /**
     * What a page adds to a batch message's body: its JSON object and a comma, counted from the lengths of its
     * strings (ids and blob paths are ASCII, never escaped); never less than the encoded size.
     */
    static long bytesOf(PagesExtracted.Page page) {
        // {"documentId":"","pageNumber":,"extractionBlob":"","traceparent":""}, is 69 characters.
        return 69 + 11 + length(page.documentId()) + length(page.extractionBlob()) + length(page.traceparent());
    }

    private static int length(String text) {
        // A null is written as null: 4 characters, less than its two quotes and any value.
        return text == null ? 4 : text.length();
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
        waitingBytes = 0;
        return batch;
    }

    private void send(List<Waiting> batch) {
        // Deferred: a publishAll that threw (or an encoding that did) must still fail the waiting handlers.
        Mono.defer(() -> bus.publishAll(queue, messages(batch))).subscribe(null,
                error -> batch.forEach(each -> each.sent().tryEmitError(error)),
                () -> batch.forEach(each -> each.sent().tryEmitEmpty()));
    }

    /** One message per Matter of the batch, in the order the Matters first appear. */
    private static List<OutboundMessage> messages(List<Waiting> batch) {
        Map<String, List<PagesExtracted.Page>> byMatter = new LinkedHashMap<>();
        for (Waiting each : batch) {
            byMatter.computeIfAbsent(each.matterId(), matterId -> new ArrayList<>()).add(each.page());
        }
        List<OutboundMessage> messages = new ArrayList<>(byMatter.size());
        byMatter.forEach((matterId, pages) -> messages.add(pages.size() == 1 ? single(matterId, pages.get(0))
                : MessageCodec.encode(new PagesExtracted(matterId, pages))));
        return messages;
    }

    /** A lone fact of its Matter as a plain PageExtracted, in its page's trace. */
    private static OutboundMessage single(String matterId, PagesExtracted.Page page) {
        return TraceContext.traced(MessageCodec.encode(page.fact(matterId)),
                Context.of(TraceContext.PROPERTY, page.traceparent()));
    }

    private record Waiting(String matterId, PagesExtracted.Page page, long bytes, Sinks.Empty<Void> sent) {
    }
}
