package io.matterpipeline;

import reactor.blockhound.BlockHound;

/**
 * Installs BlockHound for the JVM: a blocking call on a non-blocking thread (Reactor's parallel scheduler, Netty
 * event loops) then fails the test that made it. Installed once; later calls do nothing. Needs the JVM flag
 * {@code -XX:+AllowRedefinitionToAddDeleteMethods} (set in common's surefire configuration).
 */
public final class NonBlockingThreads {

    private NonBlockingThreads() {
    }

    /** Installs BlockHound unless it already is. */
    public static synchronized void enforce() {
        BlockHound.install(builder -> builder
                // Test logging writes to a stream; it is not the code under test.
                .allowBlockingCallsInside("ch.qos.logback.classic.Logger", "callAppenders")
                .allowBlockingCallsInside("org.slf4j.helpers.SubstituteLogger", "info")
                // Test-side waits.
                .allowBlockingCallsInside("org.assertj.core.api.AbstractAssert", "satisfies")
                // Netty's own back-off after an unexpected selector-loop exception sleeps one second on purpose;
                // flagging it turns a logged hiccup into a dead event loop (and a hung test).
                .allowBlockingCallsInside("io.netty.channel.epoll.EpollIoHandler", "handleLoopException")
                .allowBlockingCallsInside("io.netty.channel.nio.NioIoHandler", "handleLoopException")
                // The filesystem store's I/O executor (IoExecutor) hands a task over through its queue's lock, held
                // for the enqueue only, and takes its worker-set lock to start a thread; under contention the lock
                // parks for that moment. Reactor's own BlockHound integration allows the same hand-over into its
                // scheduled executors' queues (DelayedWorkQueue.offer).
                .allowBlockingCallsInside("java.util.concurrent.LinkedBlockingQueue", "offer")
                .allowBlockingCallsInside("java.util.concurrent.ThreadPoolExecutor", "addWorker"));
    }
}
