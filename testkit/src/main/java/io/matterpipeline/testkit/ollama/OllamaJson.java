package io.matterpipeline.testkit.ollama;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The one JSON mapper of the simulator. */
final class OllamaJson {

    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private OllamaJson() {
    }

    static String write(JsonNode node) {
        return MAPPER.writeValueAsString(node);
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** {@code {"error": message}}, Ollama's error body. */
    static String error(String message) {
        return write(object().put("error", message));
    }
}
