package io.matterpipeline.extract;

import io.matterpipeline.bus.ConsumerProperties;
import java.time.Duration;
import java.util.List;

/** Worker properties for tests: fast retries, small knobs settable one by one. */
final class TestWorkerProperties {

    String baseUrl = "http://127.0.0.1:1";
    int numCtx = 8192;
    int numPredict = 2048;
    Duration timeout = Duration.ofSeconds(10);
    Integer concurrency = 2;
    Integer readyPages;
    int attempts = 3;
    int repairs = 2;
    Duration firstBackoff = Duration.ofMillis(5);
    Duration maxBackoff = Duration.ofMillis(20);
    Duration outageWait = Duration.ofSeconds(30);
    int maxDeliveries = 3;

    WorkerProperties build() {
        return new WorkerProperties(
                new WorkerProperties.Model(baseUrl, "llama3.1:8b", numCtx, numPredict, 0, 42, timeout, false),
                List.of(), concurrency, readyPages,
                new WorkerProperties.Retry(attempts, repairs, firstBackoff, maxBackoff, 0.5, outageWait),
                600, 3.0,
                new WorkerProperties.Routing(1024, Duration.ofMinutes(1),
                        new WorkerProperties.Breaker(50, 10, 5, Duration.ofSeconds(10), 2)),
                new WorkerProperties.Schemas(16),
                new ConsumerProperties(0, maxDeliveries, Duration.ofMillis(5), Duration.ofMillis(20),
                        Duration.ofSeconds(5)),
                new WorkerProperties.Facts(Duration.ZERO, 1, WorkerProperties.Facts.MIN_BATCH_BYTES));
    }
}
