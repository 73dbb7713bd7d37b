package io.matterpipeline.extract;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.config.PipelineProperties;
import io.matterpipeline.extract.observe.ModelEndpointsHealthIndicator;
import io.matterpipeline.extract.observe.ObservedModelClient;
import io.matterpipeline.extract.ollama.OllamaClientOptions;
import io.matterpipeline.extract.ollama.OllamaModelClients;
import io.matterpipeline.extract.openai.OpenAiClientOptions;
import io.matterpipeline.extract.openai.OpenAiModelClients;
import io.matterpipeline.extract.route.ModelRouter;
import io.matterpipeline.extract.route.RoutedEndpoint;
import io.matterpipeline.extract.route.RoutingPolicy;
import io.matterpipeline.model.ModelClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.scheduler.Schedulers;

/**
 * Every bean of the llm-worker: the model router over the configured endpoints and the consumer of the pages queue.
 * Needs a {@link MessageBus} and a {@link BlobStore} bean (common's auto-configuration provides them); uses the
 * {@link MeterRegistry} when there is one. Bean names start with {@code worker} so the standalone can import this next
 * to the other services.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({WorkerProperties.class, PipelineProperties.class})
public class LlmWorkerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(LlmWorkerConfiguration.class);

    /**
     * The model client: a router over {@code matter-pipeline.worker.endpoints} (or the one {@code model.base-url}),
     * each endpoint at most its slots in flight.
     */
    @Bean
    public ModelRouter workerModelClient(WorkerProperties properties, ObjectProvider<MeterRegistry> meters,
            ObjectProvider<OpenTelemetry> openTelemetry) {
        WorkerProperties.Model model = properties.model();
        MeterRegistry registry = meters.getIfAvailable(SimpleMeterRegistry::new);
        OpenTelemetry otel = openTelemetry.getIfAvailable(GlobalOpenTelemetry::get);
        List<RoutedEndpoint> endpoints = properties.effectiveEndpoints().stream()
                .map(endpoint -> new RoutedEndpoint(endpoint.url(), ObservedModelClient.observe(
                        client(endpoint, model), endpoint.url(), endpoint.api().name().toLowerCase(Locale.ROOT),
                        endpoint.modelOr(model.name()), otel, registry), endpoint.slots()))
                .toList();
        WorkerProperties.Routing routing = properties.routing();
        WorkerProperties.Breaker breaker = routing.breaker();
        RoutingPolicy policy = new RoutingPolicy(routing.maxWaiting(), routing.maxWait(),
                breaker.failureRateThreshold(), breaker.slidingWindow(), breaker.minimumCalls(),
                breaker.openDuration(), breaker.halfOpenCalls(), properties.effectiveConcurrency());
        log.info("Model endpoints: {}; {} model calls at once, {} more pages kept ready for a free slot",
                properties.effectiveEndpoints(), properties.effectiveConcurrency(), properties.effectiveReadyPages());
        return ModelRouter.create(endpoints, policy, registry);
    }

    /** Opens the model endpoints' connections when the worker starts, before the first page needs them. */
    @Bean
    ModelWarmUp workerModelWarmUp(ModelRouter workerModelClient) {
        return new ModelWarmUp(workerModelClient);
    }

    /** Readiness: down while every model endpoint's breaker is open. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class WorkerHealthConfiguration {

        @Bean
        ModelEndpointsHealthIndicator modelEndpointsHealthIndicator(ModelRouter workerModelClient) {
            return new ModelEndpointsHealthIndicator(workerModelClient);
        }
    }

    private static ModelClient client(WorkerProperties.Endpoint endpoint, WorkerProperties.Model model) {
        String name = endpoint.modelOr(model.name());
        return switch (endpoint.api()) {
            case OLLAMA -> OllamaModelClients.create(new OllamaClientOptions(endpoint.url(), name, model.numCtx(),
                    model.numPredict(), model.temperature(), model.seed(), model.timeout(), endpoint.slots(),
                    model.logRequests()));
            case OPENAI -> OpenAiModelClients.create(new OpenAiClientOptions(endpoint.url(), endpoint.apiKey(), name,
                    model.numCtx(), model.numPredict(), model.temperature(), model.seed(), model.timeout(),
                    endpoint.slots(), model.logRequests()));
        };
    }

    /**
     * Consumes PageTasks, holding the calls in flight plus the ready pages at once; started and stopped with the
     * context.
     */
    @Bean
    public QueueConsumer workerPageConsumer(MessageBus bus, BlobStore blobStore, ModelRouter workerModelClient,
            WorkerProperties properties, PipelineProperties pipeline) {
        ExtractionSchema legal = ExtractionSchema.legal();
        PageExtractor extractor = new PageExtractor(workerModelClient, legal, properties);
        MatterSchemas schemas = new MatterSchemas(blobStore, legal, properties.schemas().cacheSize());
        BatchedFactPublisher facts = new BatchedFactPublisher(bus, pipeline.queues().results(),
                properties.facts().batchWindow(), properties.facts().maxBatch(),
                properties.facts().maxBatchBytes().toBytes(), Schedulers.parallel());
        PageTaskHandler handler = new PageTaskHandler(blobStore, bus, extractor, schemas, pipeline.queues().results(),
                facts);
        return new QueueConsumer(bus, pipeline.queues().pages(), properties.consumerSettings(), handler);
    }
}
