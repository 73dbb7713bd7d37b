package io.matterpipeline.ingest.trigger;

import io.matterpipeline.bus.ConsumerProperties;
import io.matterpipeline.bus.ConsumerSettings;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the Blob-upload trigger, prefix {@code matter-pipeline.ingest.trigger}: a blob uploaded to
 * {@code {inbox}/{matterId}/{fileName}} becomes a document of that Matter, and a blob named {@code seal-marker} in the
 * Matter's folder seals it. Azure reports uploads as Event Grid {@code Microsoft.Storage.BlobCreated} events, to a
 * queue or to the webhook {@code POST /v1/events/blob}.
 *
 * @param enabled whether the trigger runs at all (queue consumer and webhook)
 * @param queue the queue Event Grid delivers to (a Service Bus queue in production), read through the message bus
 * @param queueEnabled whether to consume {@code queue}; off for a webhook-only deployment
 * @param webhookEnabled whether to serve the webhook {@code POST /v1/events/blob} (with Event Grid's validation
 *     handshakes) in a web application
 * @param container the storage container whose inbox is watched; unset: {@code matter-pipeline.blob.azure.container}
 *     (the container the pipeline's blob store uses, which must hold the inbox)
 * @param inbox the top folder of the inbox in the container
 * @param sealMarker the file name that seals a Matter when uploaded to its inbox folder (its content is ignored)
 * @param concurrency events handled at once from the queue
 * @param sealConcurrency inbox documents added at once while a seal catches up with documents whose events have not
 *     been handled yet
 * @param maxWebhookBody largest webhook request body read (Event Grid sends at most 1 MB per delivery)
 * @param webhookSecret a shared secret (at least 24 characters) the webhook accepts in the query parameter
 *     {@code code} or the header {@code X-Webhook-Secret}, compared in constant time; unset: not accepted
 * @param webhookAudience the audience ({@code aud}) of Event Grid's Microsoft Entra token delivery: the application
 *     id or Application ID URI given to the subscription; checked with the issuer and keys of
 *     {@code matter-pipeline.ingest.auth.entra}; unset: Entra delivery is not accepted
 * @param webhookRole the app role Event Grid's token must carry (the role assigned to Event Grid's service principal);
 *     empty: any token for the audience
 * @param consumer how the queue is consumed ({@link ConsumerProperties}, shared by every consumer)
 */
@ConfigurationProperties("matter-pipeline.ingest.trigger")
public record BlobTriggerProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue("blob-events") String queue,
        @DefaultValue("true") boolean queueEnabled,
        @DefaultValue("true") boolean webhookEnabled,
        String container,
        @DefaultValue("inbox") String inbox,
        @DefaultValue("_SEALED") String sealMarker,
        @DefaultValue("4") int concurrency,
        @DefaultValue("4") int sealConcurrency,
        @DefaultValue("1MB") DataSize maxWebhookBody,
        String webhookSecret,
        String webhookAudience,
        @DefaultValue("AzureEventGridSecureWebhookSubscriber") String webhookRole,
        @DefaultValue @NestedConfigurationProperty ConsumerProperties consumer) {

    public BlobTriggerProperties {
        queue = queue == null || queue.isBlank() ? "blob-events" : queue;
        container = container == null || container.isBlank() ? null : container;
        inbox = inbox == null || inbox.isBlank() ? "inbox" : inbox;
        sealMarker = sealMarker == null || sealMarker.isBlank() ? "_SEALED" : sealMarker;
        maxWebhookBody = maxWebhookBody == null ? DataSize.ofMegabytes(1) : maxWebhookBody;
        webhookSecret = webhookSecret == null || webhookSecret.isBlank() ? null : webhookSecret.strip();
        webhookAudience = webhookAudience == null || webhookAudience.isBlank() ? null : webhookAudience.strip();
        webhookRole = webhookRole == null ? "AzureEventGridSecureWebhookSubscriber" : webhookRole.strip();
        if (webhookSecret != null && webhookSecret.length() < 24) {
            throw new IllegalArgumentException("matter-pipeline.ingest.trigger.webhook-secret must be at least 24 "
                    + "characters");
        }
        consumer = consumer == null ? ConsumerProperties.defaults() : consumer;
        if (inbox.startsWith("/") || inbox.endsWith("/")) {
            throw new IllegalArgumentException("matter-pipeline.ingest.trigger.inbox must not start or end with '/'");
        }
        if (sealMarker.contains("/")) {
            throw new IllegalArgumentException("matter-pipeline.ingest.trigger.seal-marker must be a file name");
        }
        if (concurrency < 1 || sealConcurrency < 1) {
            throw new IllegalArgumentException("matter-pipeline.ingest.trigger concurrencies must be >= 1");
        }
        if (maxWebhookBody.toBytes() < 1) {
            throw new IllegalArgumentException("matter-pipeline.ingest.trigger.max-webhook-body must be positive");
        }
    }

    /** The defaults, for tests and tools that build the trigger without Spring binding. */
    public static BlobTriggerProperties defaults() {
        return new BlobTriggerProperties(false, null, true, true, null, null, null, 4, 4, null, null, null, null,
                null);
    }

    /** These settings with the given container. */
    public BlobTriggerProperties withContainer(String container) {
        return new BlobTriggerProperties(enabled, queue, queueEnabled, webhookEnabled, container, inbox, sealMarker,
                concurrency, sealConcurrency, maxWebhookBody, webhookSecret, webhookAudience, webhookRole, consumer);
    }

    /** The settings of the queue's consumer. */
    public ConsumerSettings consumerSettings() {
        return consumer.toSettings(concurrency);
    }
}
