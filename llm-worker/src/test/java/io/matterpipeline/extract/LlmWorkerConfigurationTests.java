package io.matterpipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.config.PipelineInfrastructureAutoConfiguration;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PagesExtracted;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import io.matterpipeline.extract.route.EndpointSnapshot;
import io.matterpipeline.extract.route.ModelRouter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class LlmWorkerConfigurationTests {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path root;

    ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PipelineInfrastructureAutoConfiguration.class))
                .withUserConfiguration(LlmWorkerConfiguration.class)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("matter-pipeline.blob.filesystem.root=" + root);
    }

    @Test
    void defaultsAreSafeForALocalOllama() {
        runner().run(context -> {
            assertThat(context).hasNotFailed();
            WorkerProperties properties = context.getBean(WorkerProperties.class);
            assertThat(properties.model().baseUrl()).isEqualTo("http://localhost:11434");
            assertThat(properties.model().name()).isEqualTo("llama3.1:8b");
            assertThat(properties.model().numCtx()).isEqualTo(8192);
            assertThat(properties.model().numPredict()).isEqualTo(2048);
            assertThat(properties.model().temperature()).isZero();
            assertThat(properties.model().timeout()).isEqualTo(Duration.ofSeconds(120));
            assertThat(properties.concurrency()).isNull();
            assertThat(properties.effectiveConcurrency()).isEqualTo(4);
            assertThat(properties.effectiveReadyPages()).isEqualTo(4);
            assertThat(properties.consumerSettings().concurrency()).as("calls in flight and pages ready").isEqualTo(8);
            assertThat(properties.retry().attempts()).isEqualTo(3);
            assertThat(properties.retry().repairs()).isEqualTo(2);
            assertThat(properties.retry().maxModelCalls()).isEqualTo(9);
            assertThat(properties.retry().outageWait()).isEqualTo(Duration.ofSeconds(30));
            assertThat(context.getBean("workerModelClient", ModelClient.class).limits())
                    .isEqualTo(new ModelLimits(8192, 2048));
            assertThat(context.getBean("workerPageConsumer", QueueConsumer.class).isRunning()).isTrue();
        });
    }

    @Test
    void workerPointedAtAModelServerReadsPagesFromTheQueue() {
        try (OllamaSimulator simulator = OllamaSimulator.start()) {
            runner().withPropertyValues("matter-pipeline.worker.model.base-url=" + simulator.baseUrl(),
                            "matter-pipeline.worker.model.num-ctx=4096", "matter-pipeline.worker.model.num-predict=1024",
                            "matter-pipeline.worker.concurrency=2")
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        BlobStore blobs = context.getBean(BlobStore.class);
                        MessageBus bus = context.getBean(MessageBus.class);
                        PageContent page = new PageContent("m1", "d1", 1, 1, "text", PageTaskHandlerTests.TEXT,
                                List.of(), null, null, null, "", "");
                        String path = BlobPaths.page("m1", "d1", 1);
                        blobs.putBytes(path, MessageCodec.mapper().writeValueAsBytes(page), PutCondition.none())
                                .block(WAIT);
                        bus.publish("pages", MessageCodec.encode(new PageTask("m1", "d1", 1, 1, path))).block(WAIT);

                        PipelineMessage result = bus.receive("results", ReceiveOptions.defaults()).next()
                                .flatMap(delivery -> delivery.complete().thenReturn(MessageCodec.decode(delivery.body())))
                                .block(WAIT);

                        assertThat(result).isEqualTo(new PageExtracted("m1", "d1", 1, BlobPaths.extraction("m1", "d1", 1)));
                        assertThat(simulator.stats().totalCalls()).isEqualTo(1);
                    });
        }
    }

    @Test
    void endpointsListSpreadsPagesOverReplicasOfBothApisAndConcurrencyIsTheSumOfSlots() {
        try (OllamaSimulator ollama = OllamaSimulator.start(); OllamaSimulator vllm = OllamaSimulator.start()) {
            runner().withPropertyValues(
                            "matter-pipeline.worker.endpoints[0].url=" + ollama.baseUrl(),
                            "matter-pipeline.worker.endpoints[0].slots=2",
                            "matter-pipeline.worker.endpoints[1].url=" + vllm.baseUrl(),
                            "matter-pipeline.worker.endpoints[1].slots=3",
                            "matter-pipeline.worker.endpoints[1].api=openai",
                            "matter-pipeline.worker.endpoints[1].model=meta-llama/Llama-3.1-70B-Instruct")
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        WorkerProperties properties = context.getBean(WorkerProperties.class);
                        assertThat(properties.effectiveConcurrency()).isEqualTo(5);
                        ModelRouter router = context.getBean(ModelRouter.class);
                        assertThat(router.endpoints()).extracting(EndpointSnapshot::name, EndpointSnapshot::slots)
                                .containsExactly(tuple(ollama.baseUrl(), 2), tuple(vllm.baseUrl(), 3));
                        BlobStore blobs = context.getBean(BlobStore.class);
                        MessageBus bus = context.getBean(MessageBus.class);
                        for (int n = 1; n <= 10; n++) {
                            PageContent page = new PageContent("m1", "d1", n, 10, "text", PageTaskHandlerTests.TEXT,
                                    List.of(), null, null, null, "", "");
                            String path = BlobPaths.page("m1", "d1", n);
                            blobs.putBytes(path, MessageCodec.mapper().writeValueAsBytes(page), PutCondition.none())
                                    .block(WAIT);
                            bus.publish("pages", MessageCodec.encode(new PageTask("m1", "d1", n, 10, path)))
                                    .block(WAIT);
                        }

                        List<PipelineMessage> results = bus.receive("results", ReceiveOptions.defaults())
                                .concatMap(delivery -> delivery.complete()
                                        .thenReturn(MessageCodec.decode(delivery.body())))
                                .concatMapIterable(PagesExtracted::factsOf)
                                .take(10)
                                .collectList().block(WAIT);

                        assertThat(results).allSatisfy(result -> assertThat(result).isInstanceOf(PageExtracted.class));
                        assertThat(ollama.stats().calls(200) + vllm.stats().calls(200)).isEqualTo(10);
                        assertThat(ollama.stats().peakInFlight()).isLessThanOrEqualTo(2);
                        assertThat(vllm.stats().peakInFlight()).isLessThanOrEqualTo(3);
                        MeterRegistry meters = context.getBean(MeterRegistry.class);
                        assertThat(meters.find("matterpipeline.model.calls").tag("endpoint", vllm.baseUrl())
                                .counters()).isNotEmpty();
                    });
        }
    }
}
