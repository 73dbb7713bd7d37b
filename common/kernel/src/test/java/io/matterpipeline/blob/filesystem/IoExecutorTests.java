package io.matterpipeline.blob.filesystem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.error.TransientException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class IoExecutorTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void anOperationBeyondTheThreadsAndTheQueueFailsAsTransientAndTheOthersStillRun() throws Exception {
        IoExecutor io = new IoExecutor(1, 1);
        try {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch running = new CountDownLatch(1);
            Mono<String> holding = io.run(Mono.fromCallable(() -> {
                running.countDown();
                release.await(10, TimeUnit.SECONDS);
                return Thread.currentThread().getName();
            }));
            Mono<String> queued = io.run(Mono.fromCallable(() -> "queued"));
            var held = holding.toFuture();
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            var waiting = queued.toFuture();

            StepVerifier.create(io.run(Mono.fromCallable(() -> "refused")))
                    .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(TransientException.class)
                            .extracting(e -> ((TransientException) e).reason()).isEqualTo("blob-io-busy"))
                    .verify(TIMEOUT);

            release.countDown();
            assertThat(held.get(10, TimeUnit.SECONDS)).startsWith("blob-fs-io-");
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo("queued");
        } finally {
            io.shutdown();
        }
    }

    @Test
    void anOperationStartedOnAnIoThreadRunsThereAndOneStartedElsewhereHops() {
        IoExecutor io = new IoExecutor(4, 10);
        IoExecutor other = new IoExecutor(1, 10);
        try {
            Mono<String> thread = Mono.fromCallable(() -> Thread.currentThread().getName());
            StepVerifier.create(io.run(thread).flatMap(first -> io.run(thread).map(second -> List.of(first, second))))
                    .assertNext(names -> assertThat(names.get(1)).startsWith("blob-fs-io-").isEqualTo(names.get(0)))
                    .verifyComplete();
            StepVerifier.create(io.run(thread).flatMap(first -> other.run(thread).map(second -> List.of(first, second))))
                    .assertNext(names -> assertThat(names.get(1)).startsWith("blob-fs-io-").isNotEqualTo(names.get(0)))
                    .verifyComplete();
            assertThat(io.onOwnThread()).isFalse();
        } finally {
            io.shutdown();
            other.shutdown();
        }
    }

    @Test
    void noThreadsIsRefused() {
        assertThatThrownBy(() -> new IoExecutor(0, 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
