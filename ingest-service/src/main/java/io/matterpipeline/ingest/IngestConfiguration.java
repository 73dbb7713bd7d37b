package io.matterpipeline.ingest;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.DeadLetters;
import io.matterpipeline.bus.GiveUpSweep;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.RawQueueConsumer;
import io.matterpipeline.bus.memory.InMemoryDeadLetters;
import io.matterpipeline.config.PipelineProperties;
import io.matterpipeline.ingest.access.AccessFilter;
import io.matterpipeline.ingest.access.EntraTokens;
import io.matterpipeline.ingest.access.TokenService;
import io.matterpipeline.ingest.api.IngestApi;
import io.matterpipeline.ingest.api.RequestTrace;
import io.matterpipeline.ingest.matter.ItemReader;
import io.matterpipeline.ingest.matter.Matters;
import io.matterpipeline.ingest.matter.PageReader;
import io.matterpipeline.ingest.request.IngestRequests;
import io.matterpipeline.ingest.trigger.BlobTriggerConfiguration;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.server.WebFilter;

/**
 * Every bean of the ingest service, declared explicitly (no component scanning), so that the standalone module can
 * import it next to the other services' configurations in one context. Bean names start with {@code ingest}.
 * Needs a {@link BlobStore} and a {@link MessageBus} bean (the common adapters' auto-configuration provides them);
 * queue names come from {@code matter-pipeline.queues.*}.
 * The HTTP beans exist only in a reactive web application; {@link Matters} exist always, so a command line
 * can drive Matters without HTTP.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({IngestProperties.class, PipelineProperties.class})
@Import(BlobTriggerConfiguration.class)
public class IngestConfiguration {

    /** The property the environment variable {@code MATTER_PIPELINE_ADMIN_TOKEN} binds to (relaxed binding). */
    static final String ADMIN_TOKEN_PROPERTY = "matter-pipeline.admin-token";

    /** The page-splitter's threshold of a low-confidence OCR word, shared with the review page. */
    static final String LOW_CONFIDENCE_THRESHOLD_PROPERTY = "matter-pipeline.splitter.low-confidence-threshold";

    @Bean
    Matters ingestMatters(BlobStore blobStore, MessageBus messageBus, IngestProperties properties,
            PipelineProperties pipeline) {
        return Matters.create(blobStore, messageBus, pipeline.queues(), properties, Clock.systemUTC());
    }

    /**
     * Consumes the upstream {@code ingest-requests} queue (contract: {@code docs/schemas/ingest-request.schema.json});
     * off with {@code matter-pipeline.ingest.requests.enabled=false}.
     */
    @Bean
    @ConditionalOnBooleanProperty(name = "matter-pipeline.ingest.requests.enabled", matchIfMissing = true)
    RawQueueConsumer ingestRequestConsumer(MessageBus messageBus, BlobStore blobStore,
            Matters ingestMatters, IngestProperties properties) {
        return IngestRequests.consumer(messageBus,
                IngestRequests.create(ingestMatters.intake(), blobStore, properties.requests()), properties.requests());
    }

    /**
     * Gives up on what the broker dead-lettered from ingest's raw queues ({@code ingest-requests}, the Blob-event
     * queue) without a give-up, every {@code matter-pipeline.ingest.dead-letter-sweep.interval}; on every bus that
     * lists dead letters (the in-memory one through {@link InMemoryDeadLetters}).
     */
    @Bean
    GiveUpSweep ingestDeadLetterSweep(ObjectProvider<DeadLetters> deadLetters, MessageBus messageBus,
            ObjectProvider<RawQueueConsumer> consumers, IngestProperties properties) {
        return new GiveUpSweep(deadLetters.getIfAvailable(() -> InMemoryDeadLetters.of(messageBus)),
                consumers.orderedStream().toList(), properties.deadLetterSweep());
    }

    /** The HTTP side: tokens and their filter, routes and the problem+json error mapping. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    static class Web {

        /**
         * API tokens in the blob store. The bootstrap admin token is
         * {@code matter-pipeline.ingest.auth.admin-token}, or else the environment variable
         * {@code MATTER_PIPELINE_ADMIN_TOKEN} (through the Spring environment, so it can also be given as the
         * property {@code matter-pipeline.admin-token}).
         */
        @Bean
        TokenService ingestTokenService(BlobStore blobStore, IngestProperties properties, Environment environment) {
            String bootstrap = properties.auth().adminToken();
            if (bootstrap == null || bootstrap.isBlank()) {
                bootstrap = environment.getProperty(ADMIN_TOKEN_PROPERTY);
            }
            return new TokenService(blobStore, properties.auth(), properties.defaultTenant(), bootstrap,
                    Clock.systemUTC());
        }

        /**
         * Pages for review. OCR words below the page-splitter's {@code low-confidence-threshold} are the ones the
         * review page shades; the ingest service reads the same property so both agree on one number.
         */
        @Bean
        PageReader ingestPageReader(BlobStore blobStore, IngestProperties properties, Environment environment) {
            return PageReader.create(blobStore, properties,
                    environment.getProperty(LOW_CONFIDENCE_THRESHOLD_PROPERTY, Double.class, 0.8));
        }

        /** A Matter's and its documents' merged items, page by page. */
        @Bean
        ItemReader ingestItemReader(BlobStore blobStore, IngestProperties properties) {
            return ItemReader.create(blobStore, properties);
        }

        @Bean
        RouterFunction<ServerResponse> ingestRoutes(Matters ingestMatters, PageReader ingestPageReader,
                ItemReader ingestItemReader, TokenService ingestTokenService, IngestProperties properties) {
            return IngestApi.routes(ingestMatters, ingestPageReader, ingestItemReader, ingestTokenService,
                    properties);
        }

        /**
         * Bearer tokens ({@code mpt.} tokens, and Entra ID tokens when {@code matter-pipeline.ingest.auth.entra} is
         * configured), scopes and rates in front of {@code /v1/matters/**} and {@code /v1/tokens/**}.
         */
        @Bean
        WebFilter ingestAccessFilter(TokenService ingestTokenService, IngestProperties properties) {
            return AccessFilter.create(ingestTokenService, EntraTokens.forApi(properties.auth()), properties.auth());
        }

        /** Each request the parent of the messages it publishes (see {@link RequestTrace}). */
        @Bean
        WebFilter ingestRequestTrace() {
            return new RequestTrace();
        }

        @Bean
        WebExceptionHandler ingestProblemHandler(ServerCodecConfigurer serverCodecConfigurer) {
            return IngestApi.problemHandler(serverCodecConfigurer.getWriters());
        }
    }
}
