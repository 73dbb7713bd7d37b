package io.matterpipeline.ingest;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.config.PipelineProperties;
import io.matterpipeline.ingest.api.IngestApi;
import io.matterpipeline.ingest.matter.MatterService;
import io.matterpipeline.ingest.trigger.BlobTriggerConfiguration;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Every bean of the ingest service, declared explicitly (no component scanning), so that the standalone module can
 * import it next to the other services' configurations in one context. Bean names start with {@code ingest}.
 * Needs a {@link BlobStore} and a {@link MessageBus} bean (the common adapters' auto-configuration provides them);
 * queue names come from {@code matter-pipeline.queues.*}.
 * The HTTP beans exist only in a reactive web application; {@link MatterService} exists always, so a command line
 * can drive Matters without HTTP.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({IngestProperties.class, PipelineProperties.class})
@Import(BlobTriggerConfiguration.class)
public class IngestConfiguration {

    @Bean
    MatterService ingestMatterService(BlobStore blobStore, MessageBus messageBus, IngestProperties properties,
            PipelineProperties pipeline) {
        return new MatterService(blobStore, messageBus, pipeline.queues().documents(), pipeline.queues().results(),
                properties, Clock.systemUTC());
    }

    /** The HTTP side: routes and the problem+json error mapping. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    static class Web {

        @Bean
        RouterFunction<ServerResponse> ingestRoutes(MatterService ingestMatterService, IngestProperties properties) {
            return IngestApi.routes(ingestMatterService, properties.maxDocumentSize().toBytes());
        }

        @Bean
        WebExceptionHandler ingestProblemHandler(ServerCodecConfigurer serverCodecConfigurer) {
            return IngestApi.problemHandler(serverCodecConfigurer.getWriters());
        }
    }
}
