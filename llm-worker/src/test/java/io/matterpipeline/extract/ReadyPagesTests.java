package io.matterpipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.memory.InMemoryBusOptions;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.extract.ollama.OllamaClientOptions;
import io.matterpipeline.extract.ollama.OllamaModelClients;
import io.matterpipeline.extract.route.ModelRouter;
import io.matterpipeline.extract.route.RoutedEndpoint;
import io.matterpipeline.extract.route.RoutingPolicy;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The worker keeps pages ready beyond its model slots: read, prompt built and waiting in the router, so a slot that
 * frees is refilled at once; the ready pages' deliveries keep their locks, and no replica gets more than its slots.
 */
class ReadyPagesTests {

    static final Duration WAIT = Duration.ofSeconds(60);
    /**
     * Short, so holding the pages for a few lock durations is quick; long enough for a stalled, loaded machine: locks
     * are renewed every half lock, and at 1.5 s a worker starved of CPU for 750 ms (parallel module builds on 2 loaded
     * cores) lost all ten held locks at once.
     */
    static final Duration LOCK = Duration.ofSeconds(4);

    @TempDir
    Path root;

    final TestWorkerProperties properties = new TestWorkerProperties();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    /** Closed last first after each test. */
    final Deque<AutoCloseable> opened = new ArrayDeque<>();

    @AfterEach
    void stop() throws Exception {
        while (!opened.isEmpty()) {
            opened.pop().close();
        }
    }

    <T extends AutoCloseable> T opened(T resource) {
        opened.push(resource);
        return resource;
    }

    OllamaSimulator heldReplica() {
        OllamaSimulator simulator = opened(OllamaSimulator.start(OllamaSimulatorOptions.builder().slots(8).build()));
        simulator.faults().hold();
        // Let held answers go before the server closes, so no call waits for its timeout.
        opened.push(simulator.faults()::release);
        return simulator;
    }

    static RoutedEndpoint endpoint(OllamaSimulator simulator, int slots) {
        return new RoutedEndpoint(simulator.baseUrl(), OllamaModelClients.create(new OllamaClientOptions(
                simulator.baseUrl(), "llama3.1:8b", 8192, 2048, 0, 42, Duration.ofSeconds(30), slots, false)), slots);
    }

    double waitingCalls() {
        return meters.get("matterpipeline.model.waiting").gauge().value();
    }

    @Test
    void pagesBeyondTheSlotsWaitReadyWithTheirLocksKeptAndNoReplicaGetsMoreThanItsSlots() {
        // The simulators would run 8 calls at once: only the router holds them to the 2 and 3 slots configured.
        OllamaSimulator small = heldReplica();
        OllamaSimulator large = heldReplica();
        int slots = 2 + 3;
        properties.concurrency = slots;
        WorkerProperties worker = properties.build();
        ModelRouter router = ModelRouter.create(List.of(endpoint(small, 2), endpoint(large, 3)),
                RoutingPolicy.defaults().withMaxInFlight(slots), meters);
        InMemoryMessageBus bus = opened(InMemoryMessageBus.create(InMemoryBusOptions.defaults().withLockDuration(LOCK)
                .withLockCheckInterval(Duration.ofMillis(20))));
        FileSystemBlobStore blobs = opened(FileSystemBlobStore.create(root));
        PageTaskHandler handler = new PageTaskHandler(blobs, bus, new PageExtractor(router, ExtractionSchema.legal(),
                worker), new MatterSchemas(blobs, ExtractionSchema.legal(), 16), Queues.RESULTS);
        Queue<Integer> deliveryCounts = new ConcurrentLinkedQueue<>();
        MessageHandler recording = new MessageHandler() {
            @Override
            public Mono<Void> handle(PipelineMessage message, DeliveryAttempt attempt) {
                deliveryCounts.add(attempt.deliveryCount());
                return handler.handle(message, attempt);
            }
        };
        // ready-pages unset: as many pages ready as there are slots.
        int ready = worker.effectiveReadyPages();
        assertThat(ready).isEqualTo(slots);
        QueueConsumer consumer = new QueueConsumer(bus, Queues.PAGES, worker.consumerSettings().withMaxDeliveries(10),
                recording);
        opened.push(consumer::stop);
        int pages = 30;
        for (int n = 1; n <= pages; n++) {
            PageContent page = new PageContent("m1", "d1", n, pages, "text", PageTaskHandlerTests.TEXT, List.of(),
                    null, null, null, "", "");
            String path = BlobPaths.page("m1", "d1", n);
            blobs.putBytes(path, MessageCodec.mapper().writeValueAsBytes(page), PutCondition.none()).block(WAIT);
            bus.publish(Queues.PAGES, MessageCodec.encode(new PageTask("m1", "d1", n, pages, path))).block(WAIT);
        }

        consumer.start();

        // Every slot busy and, beyond them, the ready pages already read and prompted, waiting for a slot.
        await().atMost(WAIT).until(() -> small.stats().inFlight() == 2 && large.stats().inFlight() == 3
                && waitingCalls() == ready);
        // Held for several lock durations: the waiting pages' locks are renewed like the others', so none of them is
        // redelivered meanwhile (a redelivery would show up as a delivery count above 0).
        await().during(LOCK.multipliedBy(2)).atMost(WAIT).until(() -> waitingCalls() == ready
                && consumer.inFlight() == slots + ready);
        small.faults().release();
        large.faults().release();
        await().atMost(WAIT).until(() -> bus.activeCount(Queues.PAGES) == 0);

        assertThat(deliveryCounts).hasSize(pages).containsOnly(0);
        assertThat(small.stats().totalCalls() + large.stats().totalCalls()).as("one model call per page")
                .isEqualTo(pages);
        assertThat(small.stats().peakInFlight()).isEqualTo(2);
        assertThat(large.stats().peakInFlight()).isEqualTo(3);
        assertThat(small.stats().peakQueued() + large.stats().peakQueued()).as("nothing waited in a server")
                .isZero();
        for (int n = 1; n <= pages; n++) {
            assertThat(blobs.stat(BlobPaths.extraction("m1", "d1", n)).block(WAIT)).as("page " + n).isNotNull();
        }
    }

    @Test
    void readyPagesDefaultToTheSlotsAndTheConsumerHoldsBoth() {
        properties.concurrency = 6;
        assertThat(properties.build().consumerSettings().concurrency()).isEqualTo(12);
        properties.readyPages = 0;
        assertThat(properties.build().consumerSettings().concurrency()).as("no pages ready: one per slot")
                .isEqualTo(6);
    }
}
