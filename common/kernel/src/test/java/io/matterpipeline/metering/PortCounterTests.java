package io.matterpipeline.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.memory.InMemoryBusOptions;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.config.PipelineInfrastructureAutoConfiguration;
import io.matterpipeline.error.ConflictException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.test.StepVerifier;

/** A known workload through the counting ports gives known counts. */
class PortCounterTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path root;

    private FileSystemBlobStore files;
    private InMemoryMessageBus memory;

    @AfterEach
    void close() {
        if (files != null) {
            files.close();
        }
        if (memory != null) {
            memory.close();
        }
    }

    @Test
    void countsEveryBlobRequestAndEveryRefusedCondition() {
        PortCounter counter = new PortCounter();
        files = FileSystemBlobStore.create(root);
        BlobStore store = counter.count(files);

        store.putBytes("a.json", bytes("1"), PutCondition.ifAbsent()).block(WAIT);
        StepVerifier.create(store.putBytes("a.json", bytes("2"), PutCondition.ifAbsent()))
                .expectErrorSatisfies(error -> assertThat(PutCondition.refused(error)).isTrue())
                .verify(WAIT);
        StepVerifier.create(store.putBytes("a.json", bytes("3"), PutCondition.ifMatch("\"stale\"")))
                .expectError(ConflictException.class)
                .verify(WAIT);
        String etag = store.read("a.json").block(WAIT).etag();
        store.putBytes("a.json", bytes("4"), PutCondition.ifMatch(etag)).block(WAIT);
        store.get("a.json").collectList().block(WAIT);
        store.read("missing.json").block(WAIT);
        store.stat("a.json").block(WAIT);
        store.stat("missing.json").block(WAIT);
        store.list("").collectList().block(WAIT);
        // A re-subscribed request (a retry) is another request.
        store.read("a.json").repeat(2).collectList().block(WAIT);
        store.deleteAll(List.of("a.json", "missing.json")).block(WAIT);

        assertThat(counter.snapshot()).isEqualTo(new PortCounts(
                6, 4, 4, 2, 1, 1, 0, 2, 0, 0, 0, 0, 0));
        assertThat(counter.snapshot().casConflictShare()).isEqualTo(0.5);
        assertThat(counter.snapshot().blobRequests()).isEqualTo(14);
    }

    @Test
    void countsSendsReceivesSettlementsAndRenewals() {
        PortCounter counter = new PortCounter();
        memory = InMemoryMessageBus.create(InMemoryBusOptions.defaults());
        MessageBus bus = counter.count(memory);

        bus.publish("q", message("m1")).block(WAIT);
        bus.publishAll("q", List.of(message("m2"), message("m3"), message("m4"))).block(WAIT);
        List<Delivery> first = bus.receive("q", ReceiveOptions.defaults()).take(4).collectList().block(WAIT);
        first.get(0).renewLock().block(WAIT);
        first.get(0).complete().block(WAIT);
        first.get(1).complete().block(WAIT);
        first.get(2).complete().block(WAIT);
        first.get(3).abandon().block(WAIT);
        Delivery again = bus.receive("q", ReceiveOptions.defaults()).next().block(WAIT);
        assertThat(again.messageId()).isEqualTo(first.get(3).messageId());
        again.deadLetter("test", "counted as a settlement").block(WAIT);

        PortCounts counts = counter.snapshot();
        assertThat(counts).isEqualTo(new PortCounts(0, 0, 0, 0, 0, 0, 0, 0, 2, 4, 5, 5, 1));
        assertThat(counts.busOperations()).isEqualTo(2 + 5 + 5 + 1);
        assertThat(counts.minus(PortCounts.ZERO)).isEqualTo(counts);
    }

    @Test
    void meteringWrapsTheContextsPortsOnlyWhenEnabled() {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PipelineInfrastructureAutoConfiguration.class,
                        PortMeteringAutoConfiguration.class))
                .withPropertyValues("matter-pipeline.blob.filesystem.root=" + root);
        runner.run(context -> {
            assertThat(context).doesNotHaveBean(PortCounter.class);
            assertThat(context.getBean(MessageBus.class)).isInstanceOf(InMemoryMessageBus.class);
        });
        runner.withPropertyValues("matter-pipeline.metering.enabled=true").run(context -> {
            PortCounter counter = context.getBean(PortCounter.class);
            context.getBean(MessageBus.class).publish("q", message("m1")).block(WAIT);
            context.getBean(BlobStore.class).stat("nothing").block(WAIT);
            assertThat(counter.snapshot().busSends()).isEqualTo(1);
            assertThat(counter.snapshot().blobStats()).isEqualTo(1);
        });
    }

    private static OutboundMessage message(String id) {
        return new OutboundMessage(id, "Test", bytes("{}"), Map.of());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
