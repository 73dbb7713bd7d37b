package io.matterpipeline.blob.filesystem;

import io.matterpipeline.error.TransientException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The filesystem store's executor for blocking file I/O: a fixed number of daemon threads (idle ones end after a
 * while) and a bounded queue. A {@link ThreadPoolExecutor} hands a task over through its queue's lock, held for the
 * enqueue only, where the shared {@code boundedElastic} synchronizes each submission on the chosen thread's executor.
 */
final class IoExecutor {

    static final int DEFAULT_THREADS = 8;
    static final int DEFAULT_QUEUE = 10_000;

    private static final AtomicInteger STORES = new AtomicInteger();

    private final ThreadPoolExecutor executor;
    private final Scheduler scheduler;

    IoExecutor(int threads, int queue) {
        if (threads < 1 || queue < 1) {
            throw new IllegalArgumentException("The filesystem store needs at least one I/O thread and one queue slot, "
                    + "got " + threads + " and " + queue);
        }
        String prefix = "blob-fs-io-" + STORES.incrementAndGet() + "-";
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new IoThread(this, task, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(queue), factory, new ThreadPoolExecutor.AbortPolicy());
        executor.allowCoreThreadTimeOut(true);
        this.scheduler = Schedulers.fromExecutorService(executor, "blob-fs-io");
    }

    /**
     * The operation subscribed on an I/O thread; a full queue fails it as transient. Subscribed on one of this
     * executor's threads already (a store operation that follows another, as a page read after a stat), it runs
     * there at once: a hop to another I/O thread would only add a queue hand-over, a wake-up and a context switch.
     */
    <T> Mono<T> run(Mono<T> operation) {
        Mono<T> hopping = operation.subscribeOn(scheduler)
                .onErrorMap(RejectedExecutionException.class, IoExecutor::busy);
        return Mono.defer(() -> onOwnThread() ? operation : hopping);
    }

    /** Whether the calling thread is one of this executor's. */
    boolean onOwnThread() {
        return Thread.currentThread() instanceof IoThread thread && thread.owner == this;
    }

    /** The operation subscribed on an I/O thread; a full queue fails it as transient. */
    <T> Flux<T> run(Flux<T> operation) {
        return operation.subscribeOn(scheduler).onErrorMap(RejectedExecutionException.class, IoExecutor::busy);
    }

    /** For operators that hop onto the I/O threads themselves ({@code publishOn}). */
    Scheduler scheduler() {
        return scheduler;
    }

    /** Takes no new work; what was queued still runs. */
    void shutdown() {
        executor.shutdown();
    }

    /** A thread of an executor, which knows it so that an operation started on it need not hop. */
    private static final class IoThread extends Thread {
        private final IoExecutor owner;

        IoThread(IoExecutor owner, Runnable task, String name) {
            super(task, name);
            this.owner = owner;
        }
    }

    private static TransientException busy(RejectedExecutionException e) {
        return new TransientException("blob-io-busy", "The filesystem store's I/O executor refused the operation "
                + "(its queue is full, or the store is closed): " + e.getMessage(), e);
    }
}
