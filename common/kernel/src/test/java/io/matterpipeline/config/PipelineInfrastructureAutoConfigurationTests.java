package io.matterpipeline.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.blob.memory.InMemoryBlobStore;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.contract.Queues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class PipelineInfrastructureAutoConfigurationTests {

    @TempDir
    Path root;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PipelineInfrastructureAutoConfiguration.class))
                .withPropertyValues("matter-pipeline.blob.filesystem.root=" + root);
    }

    @Test
    void defaultsAreTheEmbeddedAdaptersAndTheStandardQueueNames() {
        runner().run(context -> {
            assertThat(context).hasSingleBean(MessageBus.class).hasSingleBean(BlobStore.class);
            assertThat(context.getBean(MessageBus.class)).isInstanceOf(InMemoryMessageBus.class);
            assertThat(context.getBean(FileSystemBlobStore.class).root()).isEqualTo(root.toRealPath());
            PipelineProperties properties = context.getBean(PipelineProperties.class);
            assertThat(properties.bus().type()).isEqualTo(PipelineProperties.BusType.IN_MEMORY);
            assertThat(properties.bus().inMemory().lockDuration()).isEqualTo(Duration.ofSeconds(30));
            assertThat(properties.bus().inMemory().maxDeliveryCount()).isEqualTo(10);
            assertThat(properties.bus().inMemory().duplicateDeliveryRate()).isZero();
            assertThat(properties.bus().inMemory().seed()).isNull();
            assertThat(properties.bus().inMemory().maxQueued())
                    .isEqualTo(new PipelineProperties.MaxQueued(1000, 2000, 10000));
            assertThat(properties.blob().type()).isEqualTo(PipelineProperties.BlobType.FILESYSTEM);
            assertThat(properties.queues().documents()).isEqualTo(Queues.DOCUMENTS);
            assertThat(properties.queues().pages()).isEqualTo(Queues.PAGES);
            assertThat(properties.queues().results()).isEqualTo(Queues.RESULTS);
            assertThat(properties.queues().mattersCompleted()).isEqualTo(Queues.MATTERS_COMPLETED);
        });
    }

    @Test
    void defaultFilesystemRootIsDataInTheWorkingDirectory() {
        new ApplicationContextRunner()
                .withUserConfiguration(PropertiesOnly.class)
                .run(context -> assertThat(context.getBean(PipelineProperties.class).blob().filesystem().root()
                        .toAbsolutePath().normalize()).isEqualTo(Path.of("data").toAbsolutePath()));
    }

    @Test
    void eachInMemoryQueueOfThePipelineHoldsAtMostItsMaxQueuedAndThePublisherWaitsForRoom() {
        runner().withPropertyValues("matter-pipeline.bus.in-memory.max-queued.documents=1",
                        "matter-pipeline.bus.in-memory.max-queued.pages=2",
                        "matter-pipeline.bus.in-memory.max-queued.results=3",
                        "matter-pipeline.queues.pages=pages-test")
                .run(context -> {
                    InMemoryMessageBus bus = context.getBean(InMemoryMessageBus.class);
                    Map<String, Integer> bounds = Map.of(Queues.DOCUMENTS, 1, "pages-test", 2, Queues.RESULTS, 3);
                    bounds.forEach((queue, bound) -> {
                        var publishing = bus.publishAll(queue, messages(queue, bound + 1)).toFuture();
                        assertThat(bus.activeCount(queue)).as(queue).isEqualTo(bound);
                        assertThat(publishing).as(queue).isNotDone();

                        bus.receive(queue, ReceiveOptions.defaults()).take(1).blockLast(Duration.ofSeconds(5));
                        assertThat(publishing).as(queue).succeedsWithin(Duration.ofSeconds(5));
                        assertThat(bus.activeCount(queue)).as(queue).isEqualTo(bound + 1);
                    });
                    // Queues outside the pipeline's (and matters-completed, which nothing may consume) are not bounded.
                    bus.publishAll(Queues.MATTERS_COMPLETED, messages("c", 20)).block(Duration.ofSeconds(5));
                    assertThat(bus.activeCount(Queues.MATTERS_COMPLETED)).isEqualTo(20);
                });
    }

    @Test
    void aMaxQueuedOfZeroLeavesThatQueueUnbounded() {
        runner().withPropertyValues("matter-pipeline.bus.in-memory.max-queued.results=0")
                .run(context -> {
                    InMemoryMessageBus bus = context.getBean(InMemoryMessageBus.class);
                    bus.publishAll(Queues.RESULTS, messages("r", 20_000)).block(Duration.ofSeconds(5));
                    assertThat(bus.activeCount(Queues.RESULTS)).isEqualTo(20_000);
                    assertThat(context.getBean(PipelineProperties.class).bus().inMemory().maxQueued()
                            .capacities(context.getBean(PipelineProperties.class).queues()))
                            .containsOnlyKeys(Queues.DOCUMENTS, Queues.PAGES);
                });
    }

    @Test
    void aNegativeMaxQueuedFailsStartup() {
        runner().withPropertyValues("matter-pipeline.bus.in-memory.max-queued.documents=-1")
                .run(context -> assertThat(context).hasFailed());
    }

    private static List<OutboundMessage> messages(String prefix, int count) {
        return Flux.range(0, count).map(i -> new OutboundMessage(prefix + "-" + i, "t", new byte[] {1}, Map.of()))
                .collectList().block();
    }

    @Test
    void inMemoryBusTakesItsSettingsFromProperties() {
        runner().withPropertyValues(
                        "matter-pipeline.bus.type=in-memory",
                        "matter-pipeline.bus.in-memory.lock-duration=300ms",
                        "matter-pipeline.bus.in-memory.max-delivery-count=1",
                        "matter-pipeline.bus.in-memory.duplicate-delivery-rate=0.3",
                        "matter-pipeline.bus.in-memory.handler-crash-rate=0.1",
                        "matter-pipeline.bus.in-memory.seed=42",
                        "matter-pipeline.queues.pages=pages-test")
                .run(context -> {
                    PipelineProperties properties = context.getBean(PipelineProperties.class);
                    assertThat(properties.bus().inMemory().duplicateDeliveryRate()).isEqualTo(0.3);
                    assertThat(properties.bus().inMemory().handlerCrashRate()).isEqualTo(0.1);
                    assertThat(properties.bus().inMemory().seed()).isEqualTo(42L);
                    assertThat(properties.queues().pages()).isEqualTo("pages-test");
                    InMemoryMessageBus bus = context.getBean(InMemoryMessageBus.class);
                    bus.publish("q", new OutboundMessage("m-1", "t", new byte[0], Map.of())).block();
                    // Max delivery count 1: one abandon dead-letters.
                    bus.receive("q", ReceiveOptions.defaults()).take(1).concatMap(delivery -> delivery.abandon())
                            .then().block(Duration.ofSeconds(5));
                    assertThat(bus.deadLetters("q")).hasSizeGreaterThanOrEqualTo(1);
                });
    }

    @Test
    void closingTheContextClosesTheBus() {
        InMemoryMessageBus[] bus = new InMemoryMessageBus[1];
        runner().run(context -> bus[0] = context.getBean(InMemoryMessageBus.class));

        StepVerifier.create(bus[0].publish("q", new OutboundMessage("m-1", "t", new byte[0], Map.of())))
                .expectError(IllegalStateException.class)
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void closingTheContextClosesTheFilesystemStore() {
        BlobStore[] store = new BlobStore[1];
        runner().run(context -> store[0] = context.getBean(BlobStore.class));

        StepVerifier.create(store[0].putBytes("after/close.json", new byte[0], PutCondition.none()))
                .expectError()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void theMemoryStoreIsChosenByItsType() {
        runner().withPropertyValues("matter-pipeline.blob.type=memory").run(context -> {
            assertThat(context).hasSingleBean(BlobStore.class);
            BlobStore store = context.getBean(BlobStore.class);
            assertThat(store).isInstanceOf(InMemoryBlobStore.class);
            store.putBytes("m/blob.json", new byte[] {1}, PutCondition.none()).block(Duration.ofSeconds(5));
            assertThat(store.stat("m/blob.json").block(Duration.ofSeconds(5)).size()).isEqualTo(1);
            assertThat(root).isEmptyDirectory();
        });
    }

    @Test
    void anAdapterTypeWithoutItsAdapterFailsWithAClearMessage() {
        runner().withPropertyValues("matter-pipeline.bus.type=kafka").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("matter-pipeline.bus.type is KAFKA but no KAFKA MessageBus adapter");
        });
        runner().withPropertyValues("matter-pipeline.blob.type=azure").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageContaining("matter-pipeline.blob.type is AZURE but no AZURE BlobStore adapter");
        });
    }

    @Test
    void anotherAdaptersBeansWin() {
        runner().withUserConfiguration(OtherAdapters.class).run(context -> {
            assertThat(context).hasSingleBean(MessageBus.class).doesNotHaveBean(InMemoryMessageBus.class);
            assertThat(context.getBean(MessageBus.class)).isSameAs(OtherAdapters.BUS);
        });
    }

    @Test
    void adapterTypeConditionsFollowTheProperties() {
        ApplicationContextRunner conditional = new ApplicationContextRunner().withUserConfiguration(Conditional.class);
        conditional.run(context -> assertThat(context).hasBean("inMemoryOnly").hasBean("filesystemOnly")
                .doesNotHaveBean("serviceBusOnly").doesNotHaveBean("azureOnly"));
        conditional.withPropertyValues("matter-pipeline.bus.type=servicebus", "matter-pipeline.blob.type=AZURE")
                .run(context -> assertThat(context).hasBean("serviceBusOnly").hasBean("azureOnly")
                        .doesNotHaveBean("inMemoryOnly").doesNotHaveBean("filesystemOnly"));
    }

    @Configuration(proxyBeanMethods = false)
    @org.springframework.boot.context.properties.EnableConfigurationProperties(PipelineProperties.class)
    static class PropertiesOnly {
    }

    @Configuration(proxyBeanMethods = false)
    static class OtherAdapters {
        static final MessageBus BUS = new MessageBus() {
            @Override
            public Mono<Void> publish(String queue, OutboundMessage message) {
                return Mono.empty();
            }

            @Override
            public Mono<Void> publishAll(String queue, java.util.List<OutboundMessage> messages) {
                return Mono.empty();
            }

            @Override
            public Flux<io.matterpipeline.bus.Delivery> receive(String queue, ReceiveOptions options) {
                return Flux.empty();
            }
        };

        @Bean
        MessageBus otherBus() {
            return BUS;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Conditional {
        @Bean
        @ConditionalOnBusType(PipelineProperties.BusType.IN_MEMORY)
        String inMemoryOnly() {
            return "in-memory";
        }

        @Bean
        @ConditionalOnBusType(PipelineProperties.BusType.SERVICEBUS)
        String serviceBusOnly() {
            return "servicebus";
        }

        @Bean
        @ConditionalOnBlobType(PipelineProperties.BlobType.FILESYSTEM)
        String filesystemOnly() {
            return "filesystem";
        }

        @Bean
        @ConditionalOnBlobType(PipelineProperties.BlobType.AZURE)
        String azureOnly() {
            return "azure";
        }
    }
}
