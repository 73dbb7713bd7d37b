package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.assemble.sentinel.DeadLetterSweep;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.contract.MatterCompleted;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.config.PipelineInfrastructureAutoConfiguration;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.context.annotation.UserConfigurations;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

/**
 * The aggregator as the standalone runs it: its configuration on common's in-memory bus and filesystem store, fed
 * through the results queue by the {@link QueueConsumer}.
 */
class AggregatorConfigurationTests {

    @TempDir
    Path root;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PipelineInfrastructureAutoConfiguration.class))
                .withConfiguration(UserConfigurations.of(AggregatorConfiguration.class))
                .withPropertyValues("matter-pipeline.blob.filesystem.root=" + root);
    }

    @Test
    void bindsItsPropertiesAndDeclaresItsBeans() {
        runner().withPropertyValues("matter-pipeline.aggregator.concurrency=3",
                        "matter-pipeline.aggregator.progress.cas-max-attempts=7",
                        "matter-pipeline.aggregator.progress.cas-max-backoff=1s",
                        "matter-pipeline.aggregator.merge.key-ignored-fields=confidence,flag")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    AggregatorProperties properties = context.getBean(AggregatorProperties.class);
                    assertThat(properties.concurrency()).isEqualTo(3);
                    assertThat(properties.progress().casMaxAttempts()).isEqualTo(7);
                    assertThat(properties.progress().casMaxBackoff()).isEqualTo(Duration.ofSeconds(1));
                    assertThat(properties.progress().casFirstBackoff()).isEqualTo(Duration.ofMillis(5));
                    assertThat(properties.merge().keyIgnoredFields()).containsExactly("confidence", "flag");
                    assertThat(properties.merge().readConcurrency()).isEqualTo(8);
                    assertThat(context).hasBean("aggregatorQueueConsumer").hasBean("aggregatorMatterAssembler");
                    assertThat(context.getBean(QueueConsumer.class).isRunning()).isTrue();
                    // The in-memory bus's dead letters are swept too (a fact lost on results ends its pages failed).
                    assertThat(context.getBean(DeadLetterSweep.class).isRunning()).isTrue();
                });
    }

    @Test
    void defaultsMatchTheDocumentedOnes() {
        runner().run(context -> {
            AggregatorProperties properties = context.getBean(AggregatorProperties.class);
            assertThat(properties).isEqualTo(AggregatorProperties.defaults());
        });
    }

    @Test
    void busWithDuplicatesAndCrashesProducesTheCleanResult() {
        MatterScenario matter = new MatterScenario("m-flow")
                .document("d-a", "a.pdf", 12, 5)
                .ocrDocument("d-b", "b.json", 8, 0.7)
                .brokenDocument("d-c", "c.bin", "unsupported-format");
        MemoryBlobStore cleanStore = new MemoryBlobStore();
        matter.writeBlobs(cleanStore);
        MatterScenario.handleAll(new MatterAssembler(cleanStore, new RecordingBus(), Queues.MATTERS_COMPLETED,
                MatterAssemblerTests.WRITE_AT_ONCE, Clock.systemUTC()), matter.messages(), 1);
        JsonNode clean = MatterScenario.withoutTimestamp(MatterScenario.result(cleanStore, "m-flow"));

        runner().withPropertyValues("matter-pipeline.bus.in-memory.lock-duration=1s",
                        "matter-pipeline.bus.in-memory.duplicate-delivery-rate=0.3",
                        "matter-pipeline.bus.in-memory.handler-crash-rate=0.1",
                        "matter-pipeline.bus.in-memory.seed=42",
                        "matter-pipeline.aggregator.concurrency=8",
                        "matter-pipeline.aggregator.consumer.retry-backoff=20ms")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    MessageBus bus = context.getBean(MessageBus.class);
                    BlobStore store = context.getBean(BlobStore.class);
                    matter.writeBlobs(store);

                    Flux.fromIterable(matter.messages())
                            .concatMap(message -> bus.publish(Queues.RESULTS, MessageCodec.encode(message)))
                            .thenMany(bus.receive(Queues.MATTERS_COMPLETED, new ReceiveOptions(0))
                                    .concatMap(delivery -> delivery.complete().thenReturn(delivery)))
                            .map(delivery -> (MatterCompleted) MessageCodec.decode(delivery.body()))
                            .as(StepVerifier::create)
                            .assertNext(completed -> {
                                assertThat(completed.status()).isEqualTo("PARTIAL");
                                assertThat(completed.resultBlob()).isEqualTo("matters/m-flow/result.json");
                            })
                            .thenCancel()
                            .verify(Duration.ofSeconds(60));

                    assertThat(MatterScenario.withoutTimestamp(MatterScenario.result(store, "m-flow")))
                            .isEqualTo(clean);
                });
    }
}
