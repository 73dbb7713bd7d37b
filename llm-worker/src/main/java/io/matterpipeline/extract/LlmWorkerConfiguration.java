package io.matterpipeline.extract;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.ConsumerSettings;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.config.PipelineProperties;
import io.matterpipeline.extract.ollama.OllamaClientOptions;
import io.matterpipeline.extract.ollama.OllamaModelClients;
import io.matterpipeline.model.ModelClient;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Every bean of the llm-worker: the model client and the consumer of the pages queue. Needs a {@link MessageBus} and
 * a {@link BlobStore} bean (common's auto-configuration provides them). Bean names start with {@code worker} so the
 * standalone can import this next to the other services.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({WorkerProperties.class, PipelineProperties.class})
public class LlmWorkerConfiguration {

    /** The model server client; at most {@code concurrency} calls in flight. */
    @Bean
    public ModelClient workerModelClient(WorkerProperties properties) {
        WorkerProperties.Model model = properties.model();
        return OllamaModelClients.create(new OllamaClientOptions(model.baseUrl(), model.name(), model.numCtx(),
                model.numPredict(), model.temperature(), model.seed(), model.timeout(), properties.concurrency(),
                model.logRequests()));
    }

    /** Consumes PageTasks with {@code concurrency} pages at once; started and stopped with the context. */
    @Bean
    public QueueConsumer workerPageConsumer(MessageBus bus, BlobStore blobStore, ModelClient workerModelClient,
            WorkerProperties properties, PipelineProperties pipeline) {
        PageExtractor extractor = new PageExtractor(workerModelClient, ExtractionSchema.legal(), properties);
        PageTaskHandler handler = new PageTaskHandler(blobStore, bus, extractor, pipeline.queues().results());
        WorkerProperties.Consumer consumer = properties.consumer();
        ConsumerSettings settings = new ConsumerSettings(properties.concurrency(), consumer.prefetch(),
                consumer.maxDeliveries(), consumer.redeliveryBackoff(), consumer.maxRedeliveryBackoff(),
                consumer.shutdownGrace());
        return new QueueConsumer(bus, pipeline.queues().pages(), settings, handler);
    }
}
