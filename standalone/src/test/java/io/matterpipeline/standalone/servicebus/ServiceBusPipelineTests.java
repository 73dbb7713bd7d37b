package io.matterpipeline.standalone.servicebus;

import static io.matterpipeline.standalone.servicebus.PipelineFixtures.awaitTrue;
import static io.matterpipeline.standalone.servicebus.PipelineFixtures.extractedPageNumbers;
import static io.matterpipeline.standalone.servicebus.PipelineFixtures.range;
import static io.matterpipeline.standalone.servicebus.PipelineFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.ingest.matter.MatterStatusView;
import io.matterpipeline.progress.MatterStatus;
import io.matterpipeline.testkit.files.Directories;
import io.matterpipeline.testkit.ollama.OllamaFault;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The pipeline over Service Bus: ingest, page-splitter, aggregator and two llm-workers as separate Spring Boot
 * applications, each with its own AMQP connection to one emulator (lock 4 s, max delivery count 5) and a shared
 * filesystem blob store; the model is the Ollama simulator. A sample Matter end to end, then under faults: a worker
 * killed mid-call, a broker restart (the poison page: {@link ServiceBusPoisonPageTests}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceBusPipelineTests {

    private static final Duration LOCK = Duration.ofSeconds(4);
    private static final int MAX_DELIVERIES = 5;
    private static final Duration FINAL_WITHIN = Duration.ofSeconds(90);
    static final Map<String, Object> WORKER = Map.of(
            "matter-pipeline.worker.concurrency", "1",
            // One page per worker and none kept ready, so the tests know which worker holds which page.
            "matter-pipeline.worker.ready-pages", "0",
            // A stopping worker gives its in-flight page no time to finish: closing the context is a kill.
            "matter-pipeline.worker.consumer.shutdown-grace", "100ms",
            "matter-pipeline.worker.consumer.retry-backoff", "100ms",
            "matter-pipeline.worker.consumer.max-retry-backoff", "300ms");

    private Path blobRoot;
    private ServiceBusEmulator emulator;
    private OllamaSimulator simulator;
    private ServiceBusPipeline pipeline;
    private final List<ConfigurableApplicationContext> workers = new ArrayList<>();
    private int workerNames;

    @BeforeAll
    void start() throws IOException {
        blobRoot = Files.createTempDirectory("sb-pipeline-");
        emulator = ServiceBusPipeline.emulator(LOCK, MAX_DELIVERIES);
        simulator = OllamaSimulator.start();
        pipeline = ServiceBusPipeline.over(emulator, blobRoot, simulator.baseUrl())
                .startIngestSplitterAggregator(Map.of("matter-pipeline.splitter.consumer.retry-backoff", "100ms",
                        "matter-pipeline.aggregator.consumer.retry-backoff", "100ms"));
        startWorkers(2);
    }

    @AfterAll
    void stop() throws Exception {
        // Closed in reverse order (the pipeline first, the broker last); one not started is skipped.
        try (ServiceBusEmulator closingBroker = emulator; OllamaSimulator model = simulator; ServiceBusPipeline services = pipeline) {
            // nothing else to do: the resources above close themselves
        } finally {
            Directories.deleteQuietly(blobRoot);
        }
    }

    @Test
    @Order(1)
    void processesTheSampleMatterEndToEnd() throws IOException {
        JsonNode result = pipeline.processSampleMatter(FINAL_WITHIN).result();

        assertThat(result.path("model").asString()).isEqualTo(OllamaSimulator.MODEL);
        // Everything settled: no message left behind or dead-lettered on the way.
        awaitTrue(() -> emulator.activeMessageCount("documents") == 0 && emulator.activeMessageCount("pages") == 0
                && emulator.activeMessageCount("results") == 0, "queues drained");
        for (String queue : List.of("documents", "pages", "results")) {
            assertThat(emulator.deadLetterMessageCount(queue)).as(queue).isZero();
        }
    }

    @Test
    @Order(3)
    void aWorkerKilledMidCallHasItsPageRedeliveredAfterTheLockExpiresAndCountedOnce() {
        startWorkers(2 - workers.size());
        int deadLettersBefore = emulator.deadLetterMessageCount("pages");
        simulator.resetStats();
        // The first model call hangs far past the lock duration; every other call answers at once.
        simulator.faults().slowDelay(Duration.ofSeconds(30)).injectNext(OllamaFault.SLOW, 1);
        ServiceBusPipeline.Submitted matter = pipeline.submit("killed", Map.of("exhibits.txt", text(4, "exhibit")));
        pipeline.seal(matter.matterId());

        // The other worker reads the three other pages; the one holding the slow page stays busy with it.
        awaitTrue(() -> pipeline.status(matter.matterId()).totals().pagesDone() == 3, "three pages read");
        awaitTrue(() -> inFlight(workers.get(0)) + inFlight(workers.get(1)) == 1, "one page in flight");
        ConfigurableApplicationContext holder = inFlight(workers.get(0)) == 1 ? workers.get(0) : workers.get(1);
        assertThat(simulator.stats().inFlight()).isEqualTo(1);

        holder.close();
        workers.remove(holder);

        // Nothing settled the page: it stays unread until its lock expires, a lock duration after the last renewal...
        ServiceBusPipeline.sleep(LOCK.dividedBy(4));
        assertThat(pipeline.status(matter.matterId()).totals().pagesDone())
                .isEqualTo(3);
        // ...then the surviving worker gets it again and reads it.
        MatterStatusView status = pipeline.awaitFinal(matter.matterId(), FINAL_WITHIN);

        assertThat(status.status()).isEqualTo(MatterStatus.COMPLETED);
        assertThat(status.totals().pageCount()).isEqualTo(4);
        assertThat(status.totals().pagesDone()).isEqualTo(4);
        assertThat(status.totals().pagesFailed()).isZero();
        JsonNode result = pipeline.result(matter.matterId());
        assertThat(result.path("summary").path("pagesExtracted").asInt()).isEqualTo(4);
        assertThat(extractedPageNumbers(result.path("documents").get(0))).isEqualTo(range(4));
        // Four pages, one of them twice: the killed call and the redelivered one; no other page was read again.
        assertThat(simulator.stats().totalCalls()).isEqualTo(5);
        assertThat(emulator.deadLetterMessageCount("pages")).isEqualTo(deadLettersBefore);
    }

    @Test
    @Order(4)
    void afterABrokerRestartWhileIdleTheServicesReconnectAndANewMatterCompletes() {
        startWorkers(1 - workers.size());
        emulator.stop();
        // Long enough for every service to notice the dropped connection and fail at least one reconnect.
        ServiceBusPipeline.sleep(Duration.ofSeconds(3));
        emulator.restart();

        ServiceBusPipeline.Submitted matter = pipeline.submit("after-restart",
                Map.of("letter.txt", text(2, "letter")));
        pipeline.seal(matter.matterId());
        MatterStatusView status = pipeline.awaitFinal(matter.matterId(), FINAL_WITHIN);

        assertThat(status.status()).isEqualTo(MatterStatus.COMPLETED);
        assertThat(status.totals().pagesDone()).isEqualTo(2);
    }

    // ---- helpers ----

    private void startWorkers(int count) {
        for (int i = 0; i < count; i++) {
            workers.add(pipeline.startWorker("llm-worker-" + (++workerNames), WORKER));
        }
    }

    private static long inFlight(ConfigurableApplicationContext worker) {
        return worker.getBean("workerPageConsumer", QueueConsumer.class).inFlight();
    }
}
