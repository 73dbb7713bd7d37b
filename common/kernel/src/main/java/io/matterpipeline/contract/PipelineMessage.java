package io.matterpipeline.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A message between services. Messages follow the claim-check pattern: they carry ids and blob paths, never
 * document or page bodies, so every message stays far below the 256 KB Service Bus Standard limit.
 *
 * <p>Every message has a deterministic {@link #messageId()} derived from what it is about; it becomes the Service Bus
 * MessageId (duplicate detection) or the Kafka {@code id} header (and the record key, except on the queues keyed by
 * Matter), and it is the idempotency key of the consumer.
 *
 * <p>On the wire a message is a JSON object with a {@code type} discriminator and a {@code schemaVersion}; see
 * {@link MessageCodec}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = DocumentReceived.class, name = DocumentReceived.TYPE),
        @JsonSubTypes.Type(value = DocumentSplit.class, name = DocumentSplit.TYPE),
        @JsonSubTypes.Type(value = DocumentFailed.class, name = DocumentFailed.TYPE),
        @JsonSubTypes.Type(value = PageTask.class, name = PageTask.TYPE),
        @JsonSubTypes.Type(value = PageExtracted.class, name = PageExtracted.TYPE),
        @JsonSubTypes.Type(value = PagesExtracted.class, name = PagesExtracted.TYPE),
        @JsonSubTypes.Type(value = PageFailed.class, name = PageFailed.TYPE),
        @JsonSubTypes.Type(value = MatterSealed.class, name = MatterSealed.TYPE),
        @JsonSubTypes.Type(value = MatterCompleted.class, name = MatterCompleted.TYPE)
})
public sealed interface PipelineMessage
        permits DocumentReceived, DocumentSplit, DocumentFailed, PageTask, PageExtracted, PagesExtracted, PageFailed,
        MatterSealed, MatterCompleted {

    /** The schema version this code writes; readers accept this version and older ones. */
    int SCHEMA_VERSION = 1;

    /** The Matter this message belongs to. */
    String matterId();

    /** The deterministic id: the same fact always yields the same id. */
    @JsonIgnore
    String messageId();

    /** The type discriminator, as written in the JSON {@code type} field. */
    @JsonIgnore
    String type();
}
