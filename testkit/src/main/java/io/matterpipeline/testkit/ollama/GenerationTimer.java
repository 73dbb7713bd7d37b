package io.matterpipeline.testkit.ollama;

import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Mono;
import reactor.netty.NettyInbound;

/**
 * The simulated generation time of one call, kept on the event loop of the call's own connection: when it ends, the
 * answer is written by the thread that owns the connection, with no hop from a timer thread to the event loop in
 * between (on a loaded machine each such hop is one more wake-up that waits for a core, time the client's slot is
 * held beyond the latency the simulator claims). Netty's event loop keeps its deadlines with nanosecond precision.
 */
final class GenerationTimer {

    private GenerationTimer() {
    }

    /** Completes {@code delay} from now, on the connection's event loop (or Reactor's timer without a connection). */
    static Mono<Void> after(NettyInbound request, Duration delay) {
        if (delay.isZero()) {
            return Mono.empty();
        }
        EventLoop[] loop = new EventLoop[1];
        request.withConnection(connection -> loop[0] = connection.channel().eventLoop());
        if (loop[0] == null) {
            return Mono.delay(delay).then();
        }
        long nanos = delay.toNanos();
        return Mono.create(sink -> {
            ScheduledFuture<?> timer = loop[0].schedule(() -> sink.success(), nanos, TimeUnit.NANOSECONDS);
            sink.onCancel(() -> timer.cancel(false));
        });
    }
}
