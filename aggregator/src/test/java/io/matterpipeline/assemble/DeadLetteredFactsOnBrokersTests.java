package io.matterpipeline.assemble;

import static io.matterpipeline.assemble.MatterScenario.result;
import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.assemble.sentinel.DeadLetterSweep;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.bus.DeadLetterSweepSettings;
import io.matterpipeline.bus.DeadLetters;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.kafka.KafkaBusProperties;
import io.matterpipeline.bus.kafka.KafkaMessageBus;
import io.matterpipeline.bus.servicebus.ServiceBusMessageBus;
import io.matterpipeline.bus.servicebus.ServiceBusProperties;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PagesExtracted;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.FailureNote;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.testkit.kafka.KafkaBroker;
import io.matterpipeline.testkit.kafka.KafkaBrokerOptions;
import io.matterpipeline.testkit.servicebus.QueueOptions;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fact the broker dead-lettered on the results queue, with no aggregator reporting it (an aggregator killed on it
 * at every delivery), ends its pages failed and its Matter PARTIAL once the dead-letter sweep runs, over the Service
 * Bus emulator driven by the Azure SDK and over a real Kafka broker, as {@link DeadLetteredFactsTests} shows on the
 * in-memory bus: the Matter is not left PROCESSING.
 */
class DeadLetteredFactsOnBrokersTests {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int MAX_DELIVERIES = 2;

    private final MatterScenario matter = new MatterScenario("m-lost")
            .document("d-a", "a.pdf", 3)
            .document("d-b", "b.pdf", 2);
    private final MemoryBlobStore store = new MemoryBlobStore();
    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    @Test
    void aFactTheEmulatorDeadLetteredEndsItsMatterPartial() {
        ServiceBusEmulator emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueue(QueueOptions.named(Queues.RESULTS).withMaxDeliveryCount(MAX_DELIVERIES))
                .withQueue(QueueOptions.named(Queues.MATTERS_COMPLETED)));
        started.add(emulator);
        ServiceBusMessageBus bus =
                ServiceBusMessageBus.create(ServiceBusProperties.ofConnectionString(emulator.connectionString()));
        started.add(bus);

        aLostFactEndsItsMatterPartial(bus, bus);
    }

    @Test
    void aFactKafkaDeadLetteredEndsItsMatterPartial() {
        KafkaBroker broker = KafkaBroker.start(KafkaBrokerOptions.noTopics());
        started.add(broker);
        KafkaMessageBus bus = KafkaMessageBus.create(KafkaBusProperties.ofBootstrapServers(broker.bootstrapServers())
                .withPartitions(1)
                .withDelivery(Duration.ofSeconds(30), MAX_DELIVERIES, Duration.ZERO)
                .withCommits(Duration.ofMillis(100), Duration.ofSeconds(5)));
        started.add(bus);

        aLostFactEndsItsMatterPartial(bus, bus);
    }

    private void aLostFactEndsItsMatterPartial(MessageBus bus, DeadLetters deadLetters) {
        matter.writeBlobs(store);
        // d-b's two page facts, as one worker batch, reach an aggregator that dies on them at every delivery (here
        // abandoned) until the broker moves them to the dead letters; no handler ever reports them.
        List<PagesExtracted.Page> lost = new ArrayList<>();
        List<PipelineMessage> arrived = new ArrayList<>();
        for (PipelineMessage message : matter.messages()) {
            if (message instanceof PageExtracted page && page.documentId().equals("d-b")) {
                lost.add(new PagesExtracted.Page("d-b", page.pageNumber(), page.extractionBlob(), null));
            } else {
                arrived.add(message);
            }
        }
        publish(bus, List.of(new PagesExtracted("m-lost", lost)));
        bus.receive(Queues.RESULTS, ReceiveOptions.defaults()).take(MAX_DELIVERIES)
                .concatMap(Delivery::abandon).then().block(WAIT);
        assertThat(deadLetters.list(Queues.RESULTS, 10).collectList().block(WAIT)).singleElement()
                .satisfies(letter -> assertThat(letter.reason()).isEqualTo("MaxDeliveryCountExceeded"));

        // Everything else arrives and is recorded: the Matter waits on d-b's pages, which nothing will bring.
        MatterAssembler assembler = startAggregator(bus);
        publish(bus, arrived);
        ResultsIntake.await(() -> sealed() && progress("d-a").extractedPages().size() == 3
                && progress("d-b").pageCount() != null);
        assertThat(result(store, "m-lost")).isNull();

        DeadLetterSweep sweep = new DeadLetterSweep(deadLetters, bus, List.of(Queues.RESULTS), Queues.RESULTS,
                assembler.lostFacts(), new DeadLetterSweepSettings(true, Duration.ofMinutes(1), 100, 1000));
        assertThat(sweep.sweep().block(WAIT)).isEqualTo(2L);

        ResultsIntake.await(() -> result(store, "m-lost") != null);
        ObjectNode result = result(store, "m-lost");
        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(result.path("summary").path("pagesExtracted").asInt()).isEqualTo(3);
        assertThat(result.path("summary").path("pagesFailed").asInt()).isEqualTo(2);
        assertThat(progress("d-b").failedPages().values()).extracting(FailureNote::reason)
                .containsExactly("MaxDeliveryCountExceeded", "MaxDeliveryCountExceeded");
        // Looking again (another instance, a restart) changes nothing; the dead letter stays for the operator.
        assertThat(new DeadLetterSweep(deadLetters, bus, List.of(Queues.RESULTS), Queues.RESULTS,
                assembler.lostFacts(), new DeadLetterSweepSettings(true, Duration.ofMinutes(1), 100, 1000))
                .sweep().block(WAIT)).isZero();
        assertThat(deadLetters.list(Queues.RESULTS, 10).collectList().block(WAIT)).hasSize(1);
    }

    private MatterAssembler startAggregator(MessageBus bus) {
        MatterAssembler assembler = ResultsIntake.assembler(store, bus);
        QueueConsumer consumer = ResultsIntake.consumer(bus, assembler, MAX_DELIVERIES);
        consumer.start();
        started.add(consumer::stop);
        return assembler;
    }

    private static void publish(MessageBus bus, List<? extends PipelineMessage> messages) {
        Flux.fromIterable(messages).concatMap(message -> bus.publish(Queues.RESULTS, MessageCodec.encode(message)))
                .then().block(WAIT);
    }

    private boolean sealed() {
        byte[] bytes = store.bytes(BlobPaths.matterProgress("m-lost"));
        return bytes != null
                && MessageCodec.mapper().readValue(bytes, MatterProgress.class).documents() != null;
    }

    private DocumentProgress progress(String documentId) {
        byte[] bytes = store.bytes(BlobPaths.documentProgress("m-lost", documentId));
        return bytes == null ? DocumentProgress.empty("m-lost", documentId)
                : MessageCodec.mapper().readValue(bytes, DocumentProgress.class);
    }
}
