package io.matterpipeline.extract.modelhttp;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.model.ModelMessage;
import io.matterpipeline.model.ModelReply;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import tools.jackson.core.JsonGenerator;

/**
 * Writes chat request bodies with Jackson's streaming generator, straight to bytes (no request object graph, no
 * tree), and what the answers of both APIs share. Shared by the Ollama and the OpenAI-compatible adapters.
 */
public final class ChatJson {

    private ChatJson() {
    }

    /** The bytes {@code body} writes. */
    public static byte[] write(Consumer<JsonGenerator> body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        try (JsonGenerator out = MessageCodec.mapper().createGenerator(bytes)) {
            body.accept(out);
        }
        return bytes.toByteArray();
    }

    /** {@code "messages": [{"role": "system", "content": "..."}, ...]}, the shape both APIs share. */
    public static void messages(JsonGenerator out, List<ModelMessage> messages) {
        out.writeName("messages");
        out.writeStartArray();
        for (ModelMessage message : messages) {
            out.writeStartObject();
            out.writeStringProperty("role", message.role().name().toLowerCase(Locale.ROOT));
            out.writeStringProperty("content", message.content());
            out.writeEndObject();
        }
        out.writeEndArray();
    }

    /**
     * A JSON Schema given as JSON text, written as the value of {@code name} as it is (the server reads it as an
     * object); the schemas come from our own extraction schema, which is checked JSON.
     */
    public static void rawSchema(JsonGenerator out, String name, String schema) {
        out.writeName(name);
        out.writeRawValue(schema);
    }

    /** Ollama's {@code done_reason} and OpenAI's {@code finish_reason} share their two values that matter. */
    public static ModelReply.DoneReason doneReason(String reason) {
        return switch (reason) {
            case "stop" -> ModelReply.DoneReason.STOP;
            case "length" -> ModelReply.DoneReason.LENGTH;
            default -> ModelReply.DoneReason.OTHER;
        };
    }
}
