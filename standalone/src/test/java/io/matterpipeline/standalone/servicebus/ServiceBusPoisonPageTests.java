package io.matterpipeline.standalone.servicebus;

import static io.matterpipeline.standalone.servicebus.PipelineFixtures.awaitTrue;
import static io.matterpipeline.standalone.servicebus.PipelineFixtures.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.bus.DeadLetter;
import io.matterpipeline.bus.DeadLetters;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.ingest.matter.MatterStatusView;
import io.matterpipeline.progress.MatterStatus;
import io.matterpipeline.testkit.files.Directories;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * A poison page over Service Bus: the services as separate applications over one emulator, as in
 * {@link ServiceBusPipelineTests}, but with a lock of 30 s. The page's last delivery must keep its lock while the
 * worker reports the failure and dead-letters it with its reason; with the 4 s lock the killed-worker scenario needs,
 * a machine stalled for seconds (a parallel build at load 15-22) lost that lock and the broker dead-lettered the page as
 * MaxDeliveryCountExceeded instead (3 failures in a day). Nothing here waits for a lock to expire.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceBusPoisonPageTests {

    private static final Duration LOCK = Duration.ofSeconds(30);
    private static final int MAX_DELIVERIES = 5;
    private static final Duration FINAL_WITHIN = Duration.ofSeconds(90);

    private Path blobRoot;
    private ServiceBusEmulator emulator;
    private OllamaSimulator simulator;
    private ServiceBusPipeline pipeline;

    @BeforeAll
    void start() throws IOException {
        blobRoot = Files.createTempDirectory("sb-poison-");
        emulator = ServiceBusPipeline.emulator(LOCK, MAX_DELIVERIES);
        simulator = OllamaSimulator.start();
        pipeline = ServiceBusPipeline.over(emulator, blobRoot, simulator.baseUrl())
                .startIngestSplitterAggregator(Map.of("matter-pipeline.splitter.consumer.retry-backoff", "100ms",
                        "matter-pipeline.aggregator.consumer.retry-backoff", "100ms"));
    }

    @AfterAll
    void stop() throws Exception {
        // Closed in reverse order (the pipeline first, the emulator last); one not started is skipped.
        try (ServiceBusEmulator broker = emulator; OllamaSimulator model = simulator;
                ServiceBusPipeline services = pipeline) {
            // nothing else to do: the resources above close themselves
        } finally {
            Directories.deleteQuietly(blobRoot);
        }
    }

    @Test
    void aPoisonPageIsDeadLetteredAfterMaxDeliveriesAndTheMatterEndsPartialNamingIt() throws IOException {
        int deadLettersBefore = emulator.deadLetterMessageCount("pages");
        // No worker runs until the page is broken: pages are split (and would be read) as soon as the document is
        // uploaded, and a page read before the next line would complete the Matter.
        ServiceBusPipeline.Submitted matter = pipeline.submit("poison", Map.of("filing.txt", text(3, "filing")));
        String documentId = matter.documentId("filing.txt");
        // Page 2's extraction slot in the store gives an I/O error on every read: a failure that is retried (it
        // may pass) on every delivery until the delivery budget is spent.
        PipelineFixtures.makeUnreadable(blobRoot, BlobPaths.extraction(matter.matterId(), documentId, 2));
        ConfigurableApplicationContext worker = pipeline.startWorker("llm-worker-1", ServiceBusPipelineTests.WORKER);
        pipeline.seal(matter.matterId());

        MatterStatusView status = pipeline.awaitFinal(matter.matterId(), FINAL_WITHIN);

        assertThat(status.status()).isEqualTo(MatterStatus.PARTIAL);
        assertThat(status.totals().pagesDone()).isEqualTo(2);
        assertThat(status.totals().pagesFailed()).isEqualTo(1);
        JsonNode result = pipeline.result(matter.matterId());
        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(result.path("failures")).hasSize(1);
        JsonNode failure = result.path("failures").get(0);
        assertThat(failure.path("fileName").asString()).isEqualTo("filing.txt");
        assertThat(failure.path("documentId").asString()).isEqualTo(documentId);
        assertThat(failure.path("pageNumber").asInt()).isEqualTo(2);
        assertThat(failure.path("reason").asString()).isEqualTo("blob-io-error");

        awaitTrue(() -> emulator.deadLetterMessageCount("pages") == deadLettersBefore + 1, "page dead-lettered");
        DeadLetters deadLetters = worker.getBean(DeadLetters.class);
        List<DeadLetter> listed = deadLetters.list("pages", 100).collectList().block(Duration.ofSeconds(30));
        DeadLetter poison = listed.stream()
                .filter(letter -> MessageCodec.decode(letter.body()) instanceof PageTask task
                        && task.documentId().equals(documentId))
                .findFirst().orElseThrow(() -> new AssertionError("no dead-lettered page of " + documentId
                        + " in " + listed));
        PageTask task = (PageTask) MessageCodec.decode(poison.body());
        assertThat(task.pageNumber()).isEqualTo(2);
        assertThat(poison.reason()).isEqualTo("blob-io-error");
        assertThat(poison.description()).contains(BlobPaths.extraction(matter.matterId(), documentId, 2));
        // The AMQP header counts the failed deliveries before this one: the fifth and last delivery carries 4.
        assertThat(poison.deliveryCount()).isEqualTo(MAX_DELIVERIES - 1);
    }
}
