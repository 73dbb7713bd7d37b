package io.matterpipeline.split;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.config.PipelineProperties;
import io.matterpipeline.ocr.OcrService;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Every bean of the page-splitter, declared explicitly so the standalone application can import this class next to
 * the other services' configurations in one context. Bean names carry the {@code pageSplitter} prefix. Needs a
 * {@link MessageBus} and a {@link BlobStore} bean (the common module's auto-configuration provides them); queue names
 * come from {@code matter-pipeline.queues.*}. An {@link OcrService} bean, when there is one, reads PDF pages that have
 * no text layer.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({SplitterProperties.class, PipelineProperties.class})
public class PageSplitterConfiguration {

    @Bean
    DocumentSplitHandler pageSplitterHandler(BlobStore blobStore, MessageBus messageBus,
            SplitterProperties properties, PipelineProperties pipeline, ObjectProvider<OcrService> ocr) {
        // OCR is there when an adapter configured it (matter-pipeline.splitter.ocr.endpoint); else scanned pages are
        // reported needs-ocr.
        return new DocumentSplitHandler(blobStore, messageBus, DocumentSplitter.of(properties, ocr.getIfAvailable()),
                properties, SplitterQueues.of(pipeline.queues()));
    }

    @Bean
    QueueConsumer pageSplitterConsumer(MessageBus messageBus, DocumentSplitHandler pageSplitterHandler,
            SplitterProperties properties, PipelineProperties pipeline) {
        return new QueueConsumer(messageBus, pipeline.queues().documents(),
                properties.consumerSettings(), pageSplitterHandler);
    }
}
