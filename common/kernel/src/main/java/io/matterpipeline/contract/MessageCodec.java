package io.matterpipeline.contract;

import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.error.PoisonException;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns messages into bus payloads and back. The JSON body carries {@code type} and {@code schemaVersion}; the same
 * two travel as message properties so brokers and operators can filter without parsing bodies.
 *
 * <p>Readers ignore unknown fields (a newer writer may add some) and reject a newer {@code schemaVersion} or an unknown
 * type as poison: the message is dead-lettered with the reason instead of being retried forever.
 */
public final class MessageCodec {

    /** Message property holding the type discriminator. */
    public static final String TYPE_PROPERTY = "type";
    /**
     * Message property holding the Matter the message is about: brokers that partition (Kafka) key by it where a
     * Matter's messages belong together.
     */
    public static final String MATTER_ID_PROPERTY = "matterId";
    /** Message property holding the schema version. */
    public static final String SCHEMA_VERSION_PROPERTY = "schemaVersion";

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private MessageCodec() {
    }

    /** The shared mapper for contract bodies (messages and blobs). */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    /** Encodes a message with its deterministic id, type and schema version. */
    public static OutboundMessage encode(PipelineMessage message) {
        ObjectNode body = MAPPER.valueToTree(message);
        body.put(SCHEMA_VERSION_PROPERTY, PipelineMessage.SCHEMA_VERSION);
        Map<String, String> properties = new java.util.LinkedHashMap<>();
        properties.put(TYPE_PROPERTY, message.type());
        properties.put(SCHEMA_VERSION_PROPERTY, String.valueOf(PipelineMessage.SCHEMA_VERSION));
        if (message.matterId() != null) {
            properties.put(MATTER_ID_PROPERTY, message.matterId());
        }
        return new OutboundMessage(message.messageId(), message.type(), MAPPER.writeValueAsBytes(body), properties);
    }

    /**
     * Decodes a body written by {@link #encode}.
     *
     * @throws PoisonException when the body is not a known message of a supported version
     */
    public static PipelineMessage decode(byte[] body) {
        // The version is read with the streaming parser (no tree), then the body is bound straight to its type:
        // binding through a tree built every message twice.
        int version = schemaVersion(body);
        if (version > PipelineMessage.SCHEMA_VERSION) {
            throw new PoisonException("unsupported-schema-version", "Schema version " + version
                    + " is newer than the supported " + PipelineMessage.SCHEMA_VERSION);
        }
        try {
            return MAPPER.readValue(body, PipelineMessage.class);
        } catch (JacksonException e) {
            throw new PoisonException("malformed-message", "Not a valid pipeline message: " + e.getOriginalMessage(), e);
        }
    }

    /** The body's top-level {@code schemaVersion} (1 when absent or not an integer), checking it is a JSON object. */
    private static int schemaVersion(byte[] body) {
        int version = 1;
        try (JsonParser parser = MAPPER.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new PoisonException("malformed-message", "The message body is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                boolean isVersion = parser.currentName().equals(SCHEMA_VERSION_PROPERTY);
                JsonToken value = parser.nextToken();
                if (isVersion && value == JsonToken.VALUE_NUMBER_INT) {
                    version = parser.getValueAsInt(1);
                } else {
                    parser.skipChildren();
                }
            }
        } catch (JacksonException e) {
            throw new PoisonException("malformed-message", "The message body is not JSON: " + e.getOriginalMessage(), e);
        }
        return version;
    }
}
