package io.matterpipeline.ingest.trigger;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.RawQueueConsumer;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.access.EntraTokens;
import io.matterpipeline.ingest.matter.Matters;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The Blob-upload trigger's beans, present when {@code matter-pipeline.ingest.trigger.enabled=true}: the handler, the
 * consumer of the Event Grid queue ({@code ingestBlobTriggerConsumer}) and, in a reactive web application, the
 * webhook's routes ({@code ingestBlobEventRoutes}, a {@link RouterFunction} bean that a security filter can wrap like
 * the other {@code /v1} routes). Settings: {@link BlobTriggerProperties}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("matter-pipeline.ingest.trigger.enabled")
@EnableConfigurationProperties(BlobTriggerProperties.class)
public class BlobTriggerConfiguration {

    @Bean
    BlobTriggerHandler ingestBlobTriggerHandler(Matters ingestMatters, BlobStore blobStore,
            BlobTriggerProperties properties, IngestProperties ingest, Environment environment) {
        // The inbox lives in the blob store's own container: the trigger copies documents with the store's port.
        String container = properties.container() != null ? properties.container()
                : environment.getProperty("matter-pipeline.blob.azure.container", BlobStore.DEFAULT_CONTAINER);
        return new BlobTriggerHandler(ingestMatters.intake(), ingest.defaultTenant(), blobStore, container, properties,
                Clock.systemUTC());
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "matter-pipeline.ingest.trigger.queue-enabled", matchIfMissing = true)
    RawQueueConsumer ingestBlobTriggerConsumer(MessageBus messageBus, BlobTriggerHandler ingestBlobTriggerHandler,
            BlobTriggerProperties properties) {
        return new RawQueueConsumer(messageBus, properties.queue(), properties.consumerSettings(),
                ingestBlobTriggerHandler);
    }

    /** The webhook, served with the ingest API. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnBooleanProperty(name = "matter-pipeline.ingest.trigger.webhook-enabled", matchIfMissing = true)
    static class Webhook {

        /**
         * Fails startup when the webhook has no way to authenticate Event Grid (neither {@code webhook-secret} nor
         * {@code webhook-audience}), or a webhook audience is set without {@code matter-pipeline.ingest.auth.entra}.
         */
        @Bean
        RouterFunction<ServerResponse> ingestBlobEventRoutes(BlobTriggerHandler ingestBlobTriggerHandler,
                BlobTriggerProperties properties, IngestProperties ingest) {
            EntraTokens entra = null;
            if (properties.webhookAudience() != null) {
                entra = EntraTokens.forAudience(ingest.auth(), properties.webhookAudience());
                if (entra == null) {
                    throw new IllegalStateException("matter-pipeline.ingest.trigger.webhook-audience needs "
                            + "matter-pipeline.ingest.auth.entra.issuer and .audience (the tenant's token issuer)");
                }
            }
            WebhookAuthentication authentication = new WebhookAuthentication(properties.webhookSecret(), entra,
                    properties.webhookRole());
            return new BlobEventWebhook(ingestBlobTriggerHandler, authentication,
                    properties.maxWebhookBody().toBytes()).routes();
        }
    }
}
