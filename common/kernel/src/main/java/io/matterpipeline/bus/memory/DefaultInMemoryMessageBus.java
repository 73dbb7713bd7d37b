package io.matterpipeline.bus.memory;

import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.LockLostException;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.TraceContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.util.context.ContextView;

/**
 * The in-memory bus. Each queue keeps its state behind its own monitor; the critical sections are short and never
 * call out (no sink emission, no user code), so holding the monitor on a non-blocking thread is fine. Deliveries
 * are emitted by one drain loop per receiver on a worker of the given scheduler, never on the thread that published
 * or settled: a handler that settles synchronously therefore cannot recurse into the next delivery.
 *
 * <p>A bounded queue ({@link InMemoryBusOptions#capacities()}) takes what fits of a publication and parks the rest,
 * with the publisher's completion, in a FIFO of waiting publications; each take by a receiver moves waiting messages
 * in as room frees, and a publication completes (on the scheduler, not in the drain loop) once all of it is in. A
 * handler of a queue publishing to that same queue ({@link MessageBus#HANDLING_QUEUE}) is never made to wait.
 */
final class DefaultInMemoryMessageBus implements InMemoryMessageBus {

    private static final Logger log = LoggerFactory.getLogger(DefaultInMemoryMessageBus.class);
    /** Deliveries taken from a queue per pass of a drain loop; bounds the time a queue monitor is held. */
    private static final int DRAIN_BATCH = 64;

    private final InMemoryBusOptions options;
    private final Scheduler scheduler;
    private final Random random;
    private final Map<String, QueueState> queues = new ConcurrentHashMap<>();
    private final AtomicLong lockTokens = new AtomicLong();
    private final AtomicLong duplicatesInjected = new AtomicLong();
    private final AtomicLong crashesInjected = new AtomicLong();
    private final Disposable lockTimer;
    private volatile boolean closed;

    DefaultInMemoryMessageBus(InMemoryBusOptions options, Scheduler scheduler) {
        this.options = Objects.requireNonNull(options, "options");
        this.scheduler = scheduler;
        this.random = options.seed() == null ? new Random() : new Random(options.seed());
        Duration every = options.lockCheckInterval();
        this.lockTimer = Flux.interval(every, every, scheduler)
                .onBackpressureDrop()
                .subscribe(tick -> expireLocks());
    }

    @Override
    public Mono<Void> publish(String queue, OutboundMessage message) {
        return publishAll(queue, message == null ? null : List.of(message));
    }

    @Override
    public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
        QueueState known = queue == null ? null : queues.get(queue);
        if (known != null && known.capacity != Integer.MAX_VALUE) {
            return Mono.deferContextual(context -> handlingItself(queue, context) ? enqueue(known, messages, context)
                    : Mono.<Void>create(sink -> {
                        requireOpen();
                        Objects.requireNonNull(messages, "messages");
                        known.offer(entries(messages, context), sink);
                    }));
        }
        return Mono.deferContextual(context -> {
            QueueState state = known != null ? known : queue(queue);
            if (state.capacity != Integer.MAX_VALUE && !handlingItself(queue, context)) {
                // A bounded queue seen for the first time.
                return publishAll(queue, messages);
            }
            return enqueue(state, messages, context);
        });
    }

    /**
     * A handler of {@code queue} publishing to it: never made to wait for room, like a redelivery, since the receivers
     * that would make the room may all be handlers waiting on such publishes (a consumer waiting on itself).
     */
    private static boolean handlingItself(String queue, ContextView context) {
        return queue.equals(context.getOrDefault(MessageBus.HANDLING_QUEUE, null));
    }

    private Mono<Void> enqueue(QueueState state, List<OutboundMessage> messages, ContextView context) {
        return Mono.fromRunnable(() -> {
            requireOpen();
            Objects.requireNonNull(messages, "messages");
            state.enqueue(entries(messages, context));
        });
    }

    private List<Entry> entries(List<OutboundMessage> messages, ContextView context) {
        List<Entry> entries = new ArrayList<>(messages.size());
        for (OutboundMessage untraced : messages) {
            OutboundMessage message = TraceContext.traced(Objects.requireNonNull(untraced, "message"), context);
            entries.add(new Entry(message));
            if (chance(options.duplicateDeliveryRate())) {
                // A second copy, as a broker produces when a send's acknowledgement was lost and it was retried.
                entries.add(new Entry(message));
                duplicatesInjected.incrementAndGet();
                log.debug("Fault injection: delivering {} twice", message.messageId());
            }
        }
        return entries;
    }

    @Override
    public Flux<Delivery> receive(String queue, ReceiveOptions options) {
        Objects.requireNonNull(options, "options");
        return Flux.<Delivery>create(sink -> {
            if (closed) {
                sink.complete();
                return;
            }
            QueueState state = queue(queue);
            Receiver receiver = new Receiver(state, sink, scheduler.createWorker(), options.prefetch());
            state.receivers.add(receiver);
            sink.onDispose(receiver::dispose);
            sink.onRequest(receiver::request);
            receiver.signal();
        }, FluxSink.OverflowStrategy.BUFFER);
    }

    @Override
    public void declareQueue(String queue, Duration lockDuration, int maxDeliveryCount) {
        Objects.requireNonNull(lockDuration, "lockDuration");
        if (lockDuration.isZero() || lockDuration.isNegative() || maxDeliveryCount < 1) {
            throw new IllegalArgumentException("lockDuration must be positive and maxDeliveryCount >= 1");
        }
        QueueState state = queue(queue);
        synchronized (state) {
            state.lockDuration = lockDuration;
            state.maxDeliveryCount = maxDeliveryCount;
        }
    }

    @Override
    public List<DeadLetteredMessage> deadLetters(String queue) {
        QueueState state = queues.get(queue);
        if (state == null) {
            return List.of();
        }
        synchronized (state) {
            return List.copyOf(state.deadLetters);
        }
    }

    @Override
    public int activeCount(String queue) {
        QueueState state = queues.get(queue);
        if (state == null) {
            return 0;
        }
        synchronized (state) {
            return state.ready.size() + state.locked.size();
        }
    }

    @Override
    public int replayDeadLetters(String queue) {
        requireOpen();
        QueueState state = queues.get(queue);
        if (state == null) {
            return 0;
        }
        List<Entry> replayed = new ArrayList<>();
        synchronized (state) {
            for (DeadLetteredMessage dead : state.deadLetters) {
                replayed.add(new Entry(dead.messageId(), dead.type(), dead.body(), dead.properties()));
            }
            state.deadLetters.clear();
        }
        state.enqueue(replayed);
        log.info("Replayed {} dead-lettered messages of queue {}", replayed.size(), queue);
        return replayed.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        lockTimer.dispose();
        if (options.duplicateDeliveryRate() > 0 || options.handlerCrashRate() > 0) {
            // Says what a fault-injected run went through, so its outcome can be read against it.
            log.info("Fault injection: {} duplicate deliveries, {} lost completions (handler crashes)",
                    duplicatesInjected.get(), crashesInjected.get());
        }
        for (QueueState state : queues.values()) {
            state.refuseWaiting();
            for (Receiver receiver : state.receivers) {
                receiver.sink.complete();
            }
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("The in-memory message bus is closed");
        }
    }

    private QueueState queue(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("queue name must not be empty");
        }
        return queues.computeIfAbsent(name, QueueState::new);
    }

    private boolean chance(double rate) {
        return rate > 0 && random.nextDouble() < rate;
    }

    private long now() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }

    private void expireLocks() {
        try {
            long now = now();
            for (QueueState state : queues.values()) {
                state.expireLocks(now);
            }
        } catch (RuntimeException e) {
            // The timer must survive anything: without it no lock ever expires.
            log.error("Expiring in-memory bus locks failed", e);
        }
    }

    /** A message waiting in a queue. */
    private static final class Entry {
        final String messageId;
        final String type;
        final byte[] body;
        final Map<String, String> properties;
        int deliveryCount;

        Entry(OutboundMessage message) {
            this(message.messageId(), message.type(), message.body(), message.properties());
        }

        Entry(String messageId, String type, byte[] body, Map<String, String> properties) {
            this.messageId = messageId;
            this.type = type;
            this.body = body.clone();
            this.properties = properties;
        }
    }

    /** What of a publication to a full queue is not in the queue yet, and its publisher's completion. */
    private record WaitingPublication(ArrayDeque<Entry> entries, MonoSink<Void> sink) {

        /** Moves entries into {@code ready} while it holds fewer than {@code capacity}. */
        void moveInto(ArrayDeque<Entry> ready, int capacity) {
            while (!entries.isEmpty() && ready.size() < capacity) {
                ready.add(entries.poll());
            }
        }
    }

    /** A message handed to a receiver under a lock. */
    private static final class Lock {
        final long token;
        final Entry entry;
        long lockedUntil;

        Lock(long token, Entry entry, long lockedUntil) {
            this.token = token;
            this.entry = entry;
            this.lockedUntil = lockedUntil;
        }
    }

    private final class QueueState {
        final String name;
        final ArrayDeque<Entry> ready = new ArrayDeque<>();
        final Map<Long, Lock> locked = new HashMap<>();
        final List<DeadLetteredMessage> deadLetters = new ArrayList<>();
        final List<Receiver> receivers = new CopyOnWriteArrayList<>();
        Duration lockDuration = options.lockDuration();
        int maxDeliveryCount = options.maxDeliveryCount();
        /** The most messages {@link #ready} takes from publishers; Integer.MAX_VALUE when unbounded. */
        final int capacity;
        /** Publications of a full queue, oldest first, each with what of it is not in yet. */
        final ArrayDeque<WaitingPublication> waiting = new ArrayDeque<>();

        QueueState(String name) {
            this.name = name;
            this.capacity = options.capacityOf(name);
        }

        /**
         * Takes what fits of a publication to a bounded queue, behind any publication already waiting; completes
         * {@code sink} when all of it is in, now or as receivers make room.
         */
        void offer(List<Entry> entries, MonoSink<Void> sink) {
            WaitingPublication publication = new WaitingPublication(new ArrayDeque<>(entries), sink);
            boolean admitted;
            synchronized (this) {
                if (waiting.isEmpty()) {
                    publication.moveInto(ready, capacity);
                }
                admitted = publication.entries.isEmpty();
                if (!admitted) {
                    waiting.add(publication);
                    // A cancelled publisher gives up its place; what of it is in stays in, like a partial send.
                    sink.onCancel(() -> {
                        synchronized (this) {
                            waiting.remove(publication);
                        }
                    });
                }
            }
            signalReceivers();
            if (admitted) {
                sink.success();
            }
        }

        /** Moves waiting publications in as far as there is room (holds the monitor); returns the completed ones. */
        private List<MonoSink<Void>> admitWaiting() {
            List<MonoSink<Void>> completed = null;
            while (!waiting.isEmpty() && ready.size() < capacity) {
                WaitingPublication publication = waiting.peek();
                publication.moveInto(ready, capacity);
                if (!publication.entries.isEmpty()) {
                    break;
                }
                waiting.poll();
                if (completed == null) {
                    completed = new ArrayList<>();
                }
                completed.add(publication.sink);
            }
            return completed == null ? List.of() : completed;
        }

        /** Fails the publications still waiting: the bus is closed. */
        void refuseWaiting() {
            List<WaitingPublication> refused;
            synchronized (this) {
                refused = new ArrayList<>(waiting);
                waiting.clear();
            }
            for (WaitingPublication publication : refused) {
                publication.sink.error(new IllegalStateException("The in-memory message bus is closed"));
            }
        }

        void enqueue(List<Entry> entries) {
            if (entries.isEmpty()) {
                return;
            }
            synchronized (this) {
                ready.addAll(entries);
            }
            signalReceivers();
        }

        /** Locks up to {@code max} messages for a receiver. */
        List<InMemoryDelivery> take(int max) {
            if (max <= 0) {
                return List.of();
            }
            long now = now();
            List<InMemoryDelivery> taken;
            List<MonoSink<Void>> admitted;
            synchronized (this) {
                int count = Math.min(max, ready.size());
                if (count == 0) {
                    return List.of();
                }
                taken = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    Entry entry = ready.poll();
                    Lock lock = new Lock(lockTokens.incrementAndGet(), entry, now + lockDuration.toMillis());
                    locked.put(lock.token, lock);
                    taken.add(new InMemoryDelivery(this, lock.token, entry, entry.deliveryCount, lock.lockedUntil,
                            lockDuration));
                }
                admitted = waiting.isEmpty() ? List.of() : admitWaiting();
            }
            if (!admitted.isEmpty()) {
                // The publishers go on off the drain loop (their continuation may publish again).
                scheduler.schedule(() -> admitted.forEach(MonoSink::success));
            }
            return taken;
        }

        /** Puts back deliveries that were taken but never handed out (the receiver went away meanwhile). */
        void untake(List<InMemoryDelivery> deliveries) {
            synchronized (this) {
                for (int i = deliveries.size() - 1; i >= 0; i--) {
                    Lock lock = locked.remove(deliveries.get(i).token);
                    if (lock != null) {
                        ready.addFirst(lock.entry);
                    }
                }
            }
            signalReceivers();
        }

        void complete(long token) {
            synchronized (this) {
                validLock(token, now());
                locked.remove(token);
            }
        }

        void abandon(long token) {
            synchronized (this) {
                Lock lock = validLock(token, now());
                locked.remove(token);
                redeliverOrDeadLetter(lock.entry);
            }
            signalReceivers();
        }

        void deadLetter(long token, String reason, String description) {
            synchronized (this) {
                Lock lock = validLock(token, now());
                locked.remove(token);
                moveToDeadLetters(lock.entry, reason, description, lock.entry.deliveryCount + 1);
            }
        }

        Instant renew(long token) {
            long now = now();
            synchronized (this) {
                Lock lock = validLock(token, now);
                lock.lockedUntil = now + lockDuration.toMillis();
                return Instant.ofEpochMilli(lock.lockedUntil);
            }
        }

        void expireLocks(long now) {
            boolean expired = false;
            synchronized (this) {
                if (locked.isEmpty()) {
                    return;
                }
                var iterator = locked.values().iterator();
                while (iterator.hasNext()) {
                    Lock lock = iterator.next();
                    if (now >= lock.lockedUntil) {
                        iterator.remove();
                        redeliverOrDeadLetter(lock.entry);
                        expired = true;
                    }
                }
            }
            if (expired) {
                signalReceivers();
            }
        }

        /** The lock behind a token, if it is still held; an expired one is released here and then. */
        private Lock validLock(long token, long now) {
            Lock lock = locked.get(token);
            if (lock == null) {
                throw new LockLostException("The lock of this delivery on queue " + name
                        + " expired or the message was already settled");
            }
            if (now >= lock.lockedUntil) {
                locked.remove(token);
                redeliverOrDeadLetter(lock.entry);
                // The caller's signalReceivers may not run (we throw): the timer would notice late, so signal now.
                scheduler.schedule(this::signalReceivers);
                throw new LockLostException("The lock of message " + lock.entry.messageId + " on queue " + name
                        + " expired at " + Instant.ofEpochMilli(lock.lockedUntil));
            }
            return lock;
        }

        /** A failed delivery: counted, then redelivered or, past the budget, dead-lettered. Holds the monitor. */
        private void redeliverOrDeadLetter(Entry entry) {
            entry.deliveryCount++;
            if (entry.deliveryCount >= maxDeliveryCount) {
                moveToDeadLetters(entry, MAX_DELIVERY_COUNT_EXCEEDED,
                        "Message could not be consumed after " + maxDeliveryCount + " delivery attempts.",
                        entry.deliveryCount);
            } else {
                // Service Bus keeps the sequence number: a released message is next in line again.
                ready.addFirst(entry);
            }
        }

        private void moveToDeadLetters(Entry entry, String reason, String description, int deliveries) {
            deadLetters.add(new DeadLetteredMessage(entry.messageId, entry.type, entry.body, entry.properties,
                    reason, description == null ? "" : description, deliveries, Instant.ofEpochMilli(now())));
        }

        void signalReceivers() {
            for (Receiver receiver : receivers) {
                receiver.signal();
            }
        }
    }

    /** One subscriber of a queue: its credit (demand plus prefetch) and its drain loop. */
    private final class Receiver {
        final QueueState queue;
        final FluxSink<Delivery> sink;
        final Scheduler.Worker worker;
        final AtomicLong credit;
        final AtomicInteger wip = new AtomicInteger();
        volatile boolean disposed;

        Receiver(QueueState queue, FluxSink<Delivery> sink, Scheduler.Worker worker, int prefetch) {
            this.queue = queue;
            this.sink = sink;
            this.worker = worker;
            this.credit = new AtomicLong(prefetch);
        }

        void request(long n) {
            credit.accumulateAndGet(n, (current, added) -> {
                long sum = current + added;
                return sum < 0 ? Long.MAX_VALUE : sum;
            });
            signal();
        }

        void signal() {
            if (!disposed && credit.get() > 0 && wip.getAndIncrement() == 0) {
                try {
                    worker.schedule(this::drain);
                } catch (RuntimeException rejected) {
                    // The worker was disposed concurrently: this receiver is gone.
                    wip.set(0);
                }
            }
        }

        private void drain() {
            int missed = 1;
            do {
                while (!disposed) {
                    long available = credit.get();
                    List<InMemoryDelivery> taken = queue.take((int) Math.min(available, DRAIN_BATCH));
                    if (taken.isEmpty()) {
                        break;
                    }
                    if (available != Long.MAX_VALUE) {
                        credit.addAndGet(-taken.size());
                    }
                    if (disposed) {
                        queue.untake(taken);
                        break;
                    }
                    for (InMemoryDelivery delivery : taken) {
                        sink.next(delivery);
                    }
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }

        void dispose() {
            disposed = true;
            queue.receivers.remove(this);
            worker.dispose();
        }
    }

    /** A delivery; settling it goes through its queue's monitor. */
    private final class InMemoryDelivery implements Delivery {
        private final QueueState queue;
        private final long token;
        private final Entry entry;
        private final int deliveryCount;
        private final Duration lockDuration;
        private volatile long lockedUntil;

        InMemoryDelivery(QueueState queue, long token, Entry entry, int deliveryCount, long lockedUntil,
                Duration lockDuration) {
            this.queue = queue;
            this.token = token;
            this.entry = entry;
            this.deliveryCount = deliveryCount;
            this.lockedUntil = lockedUntil;
            this.lockDuration = lockDuration;
        }

        @Override
        public String messageId() {
            return entry.messageId;
        }

        @Override
        public String type() {
            return entry.type;
        }

        @Override
        public byte[] body() {
            return entry.body.clone();
        }

        @Override
        public Map<String, String> properties() {
            return entry.properties;
        }

        @Override
        public int deliveryCount() {
            return deliveryCount;
        }

        @Override
        public Instant lockedUntil() {
            return Instant.ofEpochMilli(lockedUntil);
        }

        @Override
        public Duration lockDuration() {
            return lockDuration;
        }

        @Override
        public Mono<Void> complete() {
            return Mono.fromRunnable(() -> {
                if (chance(options.handlerCrashRate())) {
                    // Injected crash: the work was done but the settlement never reaches the broker.
                    log.debug("Fault injection: dropping the completion of {} on queue {}", entry.messageId,
                            queue.name);
                    crashesInjected.incrementAndGet();
                    return;
                }
                queue.complete(token);
            });
        }

        @Override
        public Mono<Void> abandon() {
            return Mono.fromRunnable(() -> queue.abandon(token));
        }

        @Override
        public Mono<Void> deadLetter(String reason, String description) {
            return Mono.fromRunnable(() -> queue.deadLetter(token, Objects.requireNonNull(reason, "reason"),
                    description));
        }

        @Override
        public Mono<Instant> renewLock() {
            return Mono.fromCallable(() -> {
                Instant until = queue.renew(token);
                lockedUntil = until.toEpochMilli();
                return until;
            });
        }

        @Override
        public String toString() {
            return "Delivery[" + queue.name + ", " + entry.messageId + ", deliveryCount=" + deliveryCount + "]";
        }
    }
}
