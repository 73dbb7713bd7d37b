package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobHttpHeaders;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.ingest.matter.MatterStatusView;
import io.matterpipeline.progress.MatterStatus;
import io.matterpipeline.testkit.azurite.Azurite;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.boot.web.server.reactive.ReactiveWebServerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The pipeline on Azure Blob Storage (Azurite): a Matter started by uploading files into the inbox, and the main job
 * with {@code --blob}.
 */
class BlobStandaloneTests {

    private static final Path SAMPLES = Path.of("..", "samples");
    private static final Duration COMPLETION_TIMEOUT = Duration.ofMinutes(2);
    private static final String TRIGGER_QUEUE = "blob-events";

    private static Azurite azurite;
    private static OllamaSimulator simulator;

    @TempDir
    Path work;

    @BeforeAll
    static void start() {
        azurite = Azurite.shared();
        simulator = OllamaSimulator.start();
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @Test
    void filesUploadedIntoTheInboxBecomeACompletedMatterWithoutAnyHttpCallOfOurs() throws IOException {
        String containerName = "inbox-trigger-" + UUID.randomUUID().toString().substring(0, 8);
        BlobContainerClient container = new BlobServiceClientBuilder()
                .connectionString(azurite.connectionString()).buildClient()
                .getBlobContainerClient(containerName);
        container.createIfNotExists();
        Map<String, Object> properties = Map.of(
                "matter-pipeline.blob.azure.container", containerName,
                "matter-pipeline.ingest.trigger.enabled", "true",
                "matter-pipeline.ingest.trigger.queue", TRIGGER_QUEUE);
        EmbeddedPipeline.Settings settings = new EmbeddedPipeline.Settings(simulator.baseUrl(), "llama3.1:8b", 4,
                work, azurite.connectionString(), work.resolve("pipeline.log"), properties);

        // No web server: the only ways in are the blob container and the queue.
        try (EmbeddedPipeline pipeline = EmbeddedPipeline.start(false, settings)) {
            assertThatThrownBy(() -> pipeline.bean(ReactiveWebServerFactory.class))
                    .isInstanceOf(NoSuchBeanDefinitionException.class);
            MessageBus bus = pipeline.bean(MessageBus.class);
            String matterId = "m-inbox-" + UUID.randomUUID().toString().substring(0, 8);

            List<byte[]> events = new ArrayList<>();
            for (Path sample : samples()) {
                String path = "inbox/" + matterId + "/" + sample.getFileName();
                events.add(upload(container, path, Files.readAllBytes(sample), Files.probeContentType(sample)));
            }
            for (byte[] event : events) {
                deliver(bus, event);
            }
            // At-least-once: Event Grid may deliver an event twice; the second is ignored.
            deliver(bus, events.get(0));
            deliver(bus, upload(container, "inbox/" + matterId + "/_SEALED", new byte[0], null));

            MatterStatusView status = awaitFinal(pipeline, matterId);
            assertThat(status.status()).isEqualTo(MatterStatus.COMPLETED);
            assertThat(status.documents()).hasSize(3);
            // The result lands in the container, next to the inbox.
            BlobClient resultBlob = container.getBlobClient("matters/" + matterId + "/result.json");
            assertThat(resultBlob.exists()).isTrue();
            JsonNode result = MessageCodec.mapper().readTree(resultBlob.downloadContent().toBytes());
            assertThat(result.path("matterId").asString()).isEqualTo(matterId);
            assertThat(result.path("status").asString()).isEqualTo("COMPLETED");
            List<String> fileNames = new ArrayList<>();
            result.path("documents").forEach(document -> fileNames.add(document.path("fileName").asString()));
            assertThat(fileNames).containsExactlyInAnyOrder("master-services-agreement.pdf",
                    "scheduling-order.ocr.json", "settlement-letter.txt");
        }
    }

    @Test
    void theMainJobOnAzuriteGivesTheSameResultAsOnTheFilesystem() throws IOException {
        Path onFilesystem = work.resolve("filesystem");
        Path onAzurite = work.resolve("azurite");

        int filesystemExit = process(onFilesystem);
        int azuriteExit = process(onAzurite, "--blob", azurite.connectionString());

        assertThat(filesystemExit).isEqualTo(ProcessCommand.EXIT_COMPLETED);
        assertThat(azuriteExit).isEqualTo(ProcessCommand.EXIT_COMPLETED);
        assertThat(comparable(onAzurite.resolve("result.json")))
                .isEqualTo(comparable(onFilesystem.resolve("result.json")));
        // It really ran on Azurite: the Matter's blobs are in the default container.
        String matterId = MessageCodec.mapper().readTree(onAzurite.resolve("result.json").toFile())
                .path("matterId").asString();
        BlobContainerClient container = new BlobServiceClientBuilder()
                .connectionString(azurite.connectionString()).buildClient()
                .getBlobContainerClient("matter-pipeline");
        assertThat(container.getBlobClient("matters/" + matterId + "/result.json").exists()).isTrue();
        // The Azure SDK's JDK client would warn once per request with a body (the JDK sets content-length itself).
        assertThat(Files.readString(onAzurite.resolve("pipeline.log")))
                .isNotBlank()
                .doesNotContain("is restricted by 'java.net.http.HttpClient'");
    }

    /**
     * Uploads a blob with the Azure SDK, as a user or an upstream system does, and returns the Event Grid
     * {@code Microsoft.Storage.BlobCreated} event Azure would send for it. Azurite emits no Event Grid events, so the
     * test builds the event from the upload's response (ETag, time, URL) in Event Grid's own schema: the honest seam
     * between Azure and the pipeline, which only ever sees the event on its queue.
     */
    private static byte[] upload(BlobContainerClient container, String path, byte[] content, String contentType) {
        BlobClient blob = container.getBlobClient(path);
        BlockBlobItem uploaded = blob.uploadWithResponse(new BlobParallelUploadOptions(BinaryData.fromBytes(content))
                        .setHeaders(new BlobHttpHeaders().setContentType(contentType)), null, Context.NONE)
                .getValue();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("api", "PutBlob");
        data.put("clientRequestId", UUID.randomUUID().toString());
        data.put("requestId", UUID.randomUUID().toString());
        data.put("eTag", uploaded.getETag());
        data.put("contentType", contentType == null ? "application/octet-stream" : contentType);
        data.put("contentLength", content.length);
        data.put("blobType", "BlockBlob");
        data.put("url", blob.getBlobUrl());
        data.put("sequencer", "0000000000000000000000000000" + Long.toHexString(System.nanoTime()));
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("topic", "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/"
                + "Microsoft.Storage/storageAccounts/" + Azurite.ACCOUNT_NAME);
        event.put("subject", "/blobServices/default/containers/" + container.getBlobContainerName() + "/blobs/"
                + path);
        event.put("eventType", "Microsoft.Storage.BlobCreated");
        event.put("eventTime", uploaded.getLastModified().toString());
        event.put("id", UUID.randomUUID().toString());
        event.put("data", data);
        event.put("dataVersion", "");
        event.put("metadataVersion", "1");
        return MessageCodec.mapper().writeValueAsBytes(event);
    }

    /** Puts an event on the trigger's queue, as Event Grid's Service Bus queue handler does. */
    private static void deliver(MessageBus bus, byte[] event) {
        String id = MessageCodec.mapper().readTree(event).path("id").asString();
        bus.publish(TRIGGER_QUEUE, new OutboundMessage(id, null, event, Map.of())).block(Duration.ofSeconds(10));
    }

    private static MatterStatusView awaitFinal(EmbeddedPipeline pipeline, String matterId) {
        long deadline = System.nanoTime() + COMPLETION_TIMEOUT.toNanos();
        MatterStatusView status = null;
        while (System.nanoTime() < deadline) {
            status = pipeline.matters().queries().status(pipeline.tenant(), matterId)
                    .onErrorResume(notYetCreated -> reactor.core.publisher.Mono.empty())
                    .block(Duration.ofSeconds(10));
            if (status != null && status.status().isFinal() && status.resultReady()) {
                return status;
            }
            sleep(Duration.ofMillis(200));
        }
        throw new AssertionError("Matter " + matterId + " did not finish within " + COMPLETION_TIMEOUT + "; last seen "
                + status);
    }

    private static List<Path> samples() throws IOException {
        try (Stream<Path> files = Files.list(SAMPLES)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private int process(Path out, String... options) {
        List<String> args = new ArrayList<>(List.of("process", SAMPLES.toString(), "--out", out.toString(),
                "--no-progress", "--model-url", simulator.baseUrl()));
        args.addAll(List.of(options));
        return MatterPipelineCommand.commandLine().execute(args.toArray(String[]::new));
    }

    /** The result without what differs between two runs by nature: ids, timestamps and timings. */
    private static JsonNode comparable(Path resultFile) throws IOException {
        JsonNode result = MessageCodec.mapper().readTree(resultFile.toFile());
        strip(result, Set.of("matterId", "documentId", "completedAt", "modelMillis"));
        return result;
    }

    private static void strip(JsonNode node, Set<String> fields) {
        if (node instanceof ObjectNode object) {
            fields.forEach(object::remove);
        }
        node.forEach(child -> strip(child, fields));
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
