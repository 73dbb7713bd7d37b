package io.matterpipeline.split;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.config.PipelineInfrastructureAutoConfiguration;
import io.matterpipeline.contract.DocumentReceived;
import io.matterpipeline.contract.DocumentSplit;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PipelineMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.util.unit.DataSize;

class PageSplitterConfigurationTests {

    @TempDir
    Path dir;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PipelineInfrastructureAutoConfiguration.class))
                .withUserConfiguration(PageSplitterConfiguration.class)
                .withPropertyValues("matter-pipeline.blob.filesystem.root=" + dir.resolve("blobs"),
                        "matter-pipeline.queues.documents=docs-in",
                        "matter-pipeline.queues.results=facts-out");
    }

    @Test
    void defaultsBindAsDocumented() {
        runner().run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(SplitterProperties.class)).isEqualTo(SplitterProperties.defaults());
            assertThat(SplitterProperties.defaults().maxDocumentSize()).isEqualTo(DataSize.ofMegabytes(256));
        });
    }

    @Test
    void propertiesOverrideTheDefaults() {
        runner().withPropertyValues("matter-pipeline.splitter.max-text-page-chars=1000",
                        "matter-pipeline.splitter.max-document-size=10MB",
                        "matter-pipeline.splitter.temp-directory=" + dir.resolve("tmp"))
                .run(context -> {
                    SplitterProperties properties = context.getBean(SplitterProperties.class);
                    assertThat(properties.maxTextPageChars()).isEqualTo(1000);
                    assertThat(properties.maxDocumentSize()).isEqualTo(DataSize.ofMegabytes(10));
                    assertThat(properties.effectiveTempDirectory()).isEqualTo(dir.resolve("tmp"));
                });
    }

    @Test
    void theConsumerRunsWithTheContextOnTheConfiguredQueues() {
        runner().run(context -> {
            assertThat(context.getBean("pageSplitterConsumer", QueueConsumer.class).isRunning()).isTrue();
            BlobStore blobs = context.getBean(BlobStore.class);
            MessageBus bus = context.getBean(MessageBus.class);
            String source = BlobPaths.documentSource("m-ctx", "d-1");
            byte[] text = "One.\fTwo.".getBytes(StandardCharsets.UTF_8);
            blobs.putBytes(source, text, PutCondition.none()).block(Duration.ofSeconds(10));

            bus.publish("docs-in", MessageCodec.encode(new DocumentReceived("m-ctx", "d-1", "notes.pdf", source,
                    text.length, "application/pdf"))).block(Duration.ofSeconds(10));
            PipelineMessage result = bus.receive("facts-out", ReceiveOptions.defaults()).next()
                    .flatMap(delivery -> delivery.complete().thenReturn(MessageCodec.decode(delivery.body())))
                    .block(Duration.ofSeconds(30));

            assertThat(result).isEqualTo(new DocumentSplit("m-ctx", "d-1", "text", 2, null));
        });
    }
}
