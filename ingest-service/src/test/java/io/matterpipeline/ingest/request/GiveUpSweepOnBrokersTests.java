package io.matterpipeline.ingest.request;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.bus.ConsumerProperties;
import io.matterpipeline.bus.DeadLetterSweepSettings;
import io.matterpipeline.bus.DeadLetters;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.GiveUpSweep;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.RawQueueConsumer;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.kafka.KafkaBusProperties;
import io.matterpipeline.bus.kafka.KafkaMessageBus;
import io.matterpipeline.bus.servicebus.ServiceBusMessageBus;
import io.matterpipeline.bus.servicebus.ServiceBusProperties;
import io.matterpipeline.contract.DocumentFailed;
import io.matterpipeline.contract.MatterSealed;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.contract.SealedDocument;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.DocumentStatusView;
import io.matterpipeline.ingest.matter.Matters;
import io.matterpipeline.progress.DocumentStatus;
import io.matterpipeline.testkit.kafka.KafkaBroker;
import io.matterpipeline.testkit.kafka.KafkaBrokerOptions;
import io.matterpipeline.testkit.servicebus.QueueOptions;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * An add-document request the broker dead-lettered by itself (ingest killed on it at every delivery, so its give-up
 * never ran) is given up on by ingest's dead-letter sweep: the document it named is recorded FAILED with
 * {@code MaxDeliveryCountExceeded}, announced as {@code DocumentFailed}, and listed by the seal, so the Matter ends
 * PARTIAL instead of staying open. Over the Service Bus emulator driven by the Azure SDK and over a real Kafka broker,
 * where the dead letter is a record of {@code ingest-requests.DLT}.
 */
class GiveUpSweepOnBrokersTests {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int MAX_DELIVERIES = 2;
    private static final String QUEUE = "ingest-requests";
    private static final String TENANT = "acme";

    @TempDir
    Path root;

    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    @Test
    void aRequestTheEmulatorDeadLetteredIsRecordedFailedByTheSweep() {
        ServiceBusEmulator emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueue(QueueOptions.named(QUEUE).withMaxDeliveryCount(MAX_DELIVERIES))
                .withQueue(QueueOptions.named(Queues.DOCUMENTS))
                .withQueue(QueueOptions.named(Queues.RESULTS)));
        started.add(emulator);
        ServiceBusMessageBus bus =
                ServiceBusMessageBus.create(ServiceBusProperties.ofConnectionString(emulator.connectionString()));
        started.add(bus);

        aRequestDeadLetteredByTheBrokerIsGivenUpOnBySweep(bus, bus);
    }

    @Test
    void aRequestKafkaDeadLetteredIsRecordedFailedByTheSweep() {
        KafkaBroker broker = KafkaBroker.start(KafkaBrokerOptions.noTopics());
        started.add(broker);
        KafkaMessageBus bus = KafkaMessageBus.create(KafkaBusProperties.ofBootstrapServers(broker.bootstrapServers())
                .withPartitions(1)
                .withDelivery(Duration.ofSeconds(30), MAX_DELIVERIES, Duration.ZERO)
                .withCommits(Duration.ofMillis(100), Duration.ofSeconds(5)));
        started.add(bus);

        aRequestDeadLetteredByTheBrokerIsGivenUpOnBySweep(bus, bus);
    }

    private void aRequestDeadLetteredByTheBrokerIsGivenUpOnBySweep(MessageBus bus, DeadLetters deadLetters) {
        FileSystemBlobStore blobs = FileSystemBlobStore.create(root);
        started.add(blobs);
        Matters matters = Matters.create(blobs, bus, IngestProperties.defaults(), Clock.systemUTC());
        matters.intake().createIfAbsent(TENANT, "m-lost", null).block(WAIT);
        blobs.putBytes("inbox/acme/brief.pdf", "%PDF-1.7".getBytes(StandardCharsets.UTF_8), PutCondition.none())
                .block(WAIT);
        // Consumer settings allowing more deliveries than the broker: the broker dead-letters first, as it does when
        // the ingest process dies on the request at every delivery and never reaches its last one.
        IngestProperties.Requests settings = new IngestProperties.Requests(true, QUEUE, 2,
                new ConsumerProperties(0, 100, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5)),
                DataSize.ofKilobytes(64), List.of("inbox/"), "https://acct.blob.core.windows.net/pipeline/");
        RawQueueConsumer consumer = IngestRequests.consumer(bus,
                IngestRequests.create(matters.intake(), blobs, settings), settings);

        bus.publish(QUEUE, new OutboundMessage("request-1", "ingest-request", ("{\"schemaVersion\": 1, "
                + "\"requestId\": \"r-1\", \"tenant\": \"acme\", \"action\": \"add-document\", \"matterId\": "
                + "\"m-lost\", \"source\": \"inbox/acme/brief.pdf\"}").getBytes(StandardCharsets.UTF_8), Map.of()))
                .block(WAIT);
        bus.receive(QUEUE, ReceiveOptions.defaults()).take(MAX_DELIVERIES)
                .concatMap(Delivery::abandon).then().block(WAIT);
        assertThat(deadLetters.list(QUEUE, 10).collectList().block(WAIT)).singleElement()
                .satisfies(letter -> assertThat(letter.reason()).isEqualTo("MaxDeliveryCountExceeded"));
        assertThat(documents(matters)).isEmpty();

        GiveUpSweep sweep = new GiveUpSweep(deadLetters, List.of(consumer),
                new DeadLetterSweepSettings(true, Duration.ofMinutes(1), 100, 1000));
        assertThat(sweep.sweep().block(WAIT)).isEqualTo(1L);

        DocumentStatusView failed = documents(matters).stream().filter(d -> d.status() == DocumentStatus.FAILED)
                .findFirst().orElseThrow();
        assertThat(failed.fileName()).isEqualTo("brief.pdf");
        assertThat(failed.failure().reason()).isEqualTo("MaxDeliveryCountExceeded");
        assertThat(failed.failure().description()).contains("r-1", "after " + MAX_DELIVERIES + " deliveries");
        assertThat(nextResult(bus)).isInstanceOfSatisfying(DocumentFailed.class, documentFailed -> {
            assertThat(documentFailed.documentId()).isEqualTo(failed.documentId());
            assertThat(documentFailed.reason()).isEqualTo("MaxDeliveryCountExceeded");
        });

        // The same sweep again does nothing; another instance's sweep (or a restart) changes nothing in the Matter.
        assertThat(sweep.sweep().block(WAIT)).isZero();
        new GiveUpSweep(deadLetters, List.of(consumer), new DeadLetterSweepSettings(true, Duration.ofMinutes(1), 100,
                1000)).sweep().block(WAIT);
        assertThat(documents(matters)).singleElement()
                .satisfies(document -> assertThat(document.status()).isEqualTo(DocumentStatus.FAILED));
        assertThat(deadLetters.list(QUEUE, 10).collectList().block(WAIT)).as("the dead letter stays").hasSize(1);

        // The seal lists it, so the aggregator ends the Matter PARTIAL instead of waiting for the file.
        matters.intake().seal(TENANT, "m-lost").block(WAIT);
        PipelineMessage sealed = nextResult(bus);
        while (!(sealed instanceof MatterSealed)) {
            sealed = nextResult(bus);
        }
        assertThat(((MatterSealed) sealed).documents()).extracting(SealedDocument::documentId)
                .containsExactly(failed.documentId());
    }

    private static List<DocumentStatusView> documents(Matters matters) {
        return matters.queries().status(TENANT, "m-lost").block(WAIT).documents();
    }

    private static PipelineMessage nextResult(MessageBus bus) {
        return bus.receive(Queues.RESULTS, ReceiveOptions.defaults()).take(1)
                .concatMap(delivery -> delivery.complete().thenReturn(MessageCodec.decode(delivery.body())))
                .blockFirst(WAIT);
    }
}
