package io.matterpipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.extract.ollama.OllamaClientOptions;
import io.matterpipeline.extract.ollama.OllamaModelClients;
import io.matterpipeline.extract.route.EndpointSnapshot;
import io.matterpipeline.extract.route.ModelRouter;
import io.matterpipeline.extract.route.RoutedEndpoint;
import io.matterpipeline.extract.route.RoutingPolicy;
import io.matterpipeline.testkit.ollama.OllamaFault;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Pages read through the router over several simulated replicas: the extractor's retries are routed afresh, so a
 * failure on one replica is absorbed by the others.
 */
class ReplicatedExtractionTests {

    static final Duration WAIT = Duration.ofSeconds(60);

    final TestWorkerProperties properties = new TestWorkerProperties();
    final List<OllamaSimulator> replicas = new ArrayList<>();

    @AfterEach
    void stop() {
        replicas.forEach(OllamaSimulator::close);
    }

    OllamaSimulator replica(int slots, Duration latency) {
        OllamaSimulator simulator = OllamaSimulator.start(OllamaSimulatorOptions.builder().slots(slots)
                .latency(latency).build());
        replicas.add(simulator);
        return simulator;
    }

    static RoutedEndpoint endpoint(String url, int slots) {
        return new RoutedEndpoint(url, OllamaModelClients.create(new OllamaClientOptions(url, "llama3.1:8b", 8192,
                2048, 0, 42, Duration.ofSeconds(20), slots, false)), slots);
    }

    ModelRouter router(RoutedEndpoint... endpoints) {
        return ModelRouter.create(List.of(endpoints),
                new RoutingPolicy(1024, Duration.ofSeconds(30), 50, 10, 4, Duration.ofMinutes(5), 1, 0),
                new SimpleMeterRegistry());
    }

    /** At most its slots at the start and after each one-second rest the router gives an endpoint that failed. */
    static long triesOfADeadEndpoint(Duration elapsed, int slots) {
        return slots * (1 + elapsed.toSeconds());
    }

    /** Reads the pages, {@code concurrency} at once; each outcome is an extraction or the page's failure. */
    static List<Object> read(ModelRouter router, WorkerProperties worker, int pages) {
        PageExtractor extractor = new PageExtractor(router, ExtractionSchema.legal(), worker);
        return Flux.range(1, pages)
                .map(n -> new PageContent("m1", "d1", n, pages, "pdf", PageTaskHandlerTests.TEXT, List.of(), null,
                        null, null, "", ""))
                .flatMap(page -> extractor.extract(page).<Object>map(extraction -> extraction)
                        .onErrorResume(PageFailedException.class, Mono::just), worker.effectiveConcurrency())
                .collectList()
                .block(WAIT);
    }

    @Test
    void replicaDownLosesNoPage() {
        OllamaSimulator a = replica(2, Duration.ofMillis(10));
        OllamaSimulator b = replica(2, Duration.ofMillis(10));
        OllamaSimulator c = replica(2, Duration.ofMillis(10));
        String downUrl = c.baseUrl();
        c.close();
        properties.concurrency = 6;
        ModelRouter router = router(endpoint(a.baseUrl(), 2), endpoint(b.baseUrl(), 2), endpoint(downUrl, 2));

        long started = System.nanoTime();
        List<Object> outcomes = read(router, properties.build(), 30);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

        assertThat(outcomes).hasSize(30).allSatisfy(outcome -> assertThat(outcome)
                .isInstanceOf(PageExtraction.class));
        assertThat(a.stats().calls(200) + b.stats().calls(200)).isEqualTo(30);
        EndpointSnapshot down = router.endpoints().get(2);
        // After its first failures the dead replica rests while the others can take the calls: no page is sent
        // there again within a run under a second (its breaker would take it out for good in a longer outage).
        assertThat(down.calls()).isEqualTo(down.failures())
                .isLessThanOrEqualTo(triesOfADeadEndpoint(elapsed, 2));
        assertThat(a.stats().peakInFlight()).isLessThanOrEqualTo(2);
        assertThat(b.stats().peakInFlight()).isLessThanOrEqualTo(2);
    }

    @Test
    void busyReplicaRetryLandsOnAnotherReplica() {
        OllamaSimulator busy = replica(1, Duration.ZERO);
        OllamaSimulator free = replica(1, Duration.ZERO);
        busy.faults().rate(OllamaFault.BUSY, 1.0);
        properties.concurrency = 1;
        ModelRouter router = router(endpoint(busy.baseUrl(), 1), endpoint(free.baseUrl(), 1));

        List<Object> outcomes = read(router, properties.build(), 3);

        assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome).isInstanceOf(PageExtraction.class));
        assertThat(busy.stats().calls(503)).isPositive();
        assertThat(free.stats().calls(200)).isEqualTo(3);
        // Each page that met the busy replica was retried elsewhere: no page ran out of attempts.
        assertThat(outcomes).allSatisfy(outcome -> assertThat(((PageExtraction) outcome).usage()
                .attempts()).isLessThanOrEqualTo(2));
    }

    @Test
    void slowReplicaReadsFewerPagesAndNoSlotLimitIsExceeded() throws Exception {
        OllamaSimulator fast = replica(8, Duration.ofMillis(5));
        OllamaSimulator slow = replica(8, Duration.ofMillis(200));
        // Slow without betting on a latency ratio on a loaded box: the slow replica answers nothing until the fast
        // one has read every page the router did not give the slow one.
        slow.faults().hold();
        properties.concurrency = null;
        properties.timeout = WAIT;
        ModelRouter router = router(endpoint(fast.baseUrl(), 2), endpoint(slow.baseUrl(), 2));

        CompletableFuture<List<Object>> reading = CompletableFuture.supplyAsync(
                () -> read(router, properties.build(), 40));
        // Four pages at once fill both replicas; every later page finds only the fast one free.
        await().atMost(WAIT).until(() -> fast.stats().calls(200) == 38);
        slow.faults().release();
        List<Object> outcomes = reading.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(outcomes).hasSize(40);
        assertThat(slow.stats().totalCalls() * 3).isLessThan(fast.stats().totalCalls());
        assertThat(fast.stats().peakInFlight()).isEqualTo(2);
        assertThat(slow.stats().peakInFlight()).isLessThanOrEqualTo(2);
        assertThat(slow.stats().totalCalls()).isEqualTo(2);
    }
}
