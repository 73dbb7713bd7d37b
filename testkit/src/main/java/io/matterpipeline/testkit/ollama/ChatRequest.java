package io.matterpipeline.testkit.ollama;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The parts of an Ollama {@code /api/chat} request the simulator acts on.
 *
 * @param stream       {@code stream}, true when absent (Ollama's default)
 * @param pageText     the page of the last user message with a {@code <page>} tag (else of the last user message),
 *                     context blocks removed
 * @param promptTokens token estimate of all message contents
 * @param numCtx       {@code options.num_ctx}, or 0 when absent
 * @param numPredict   {@code options.num_predict}, or 0 when absent or not positive (no limit)
 * @param truncate     {@code truncate}, true when absent: an over-long prompt is cut silently
 * @param load         no messages: Ollama's "load a model"
 * @param model        the model asked for
 */
record ChatRequest(boolean stream, String pageText, int promptTokens, int numCtx, int numPredict, boolean truncate,
        boolean load, String model) {

    /** A request Ollama would answer 400; the message is the {@code error} text. */
    static final class InvalidChatRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InvalidChatRequest(String message) {
            super(message, null, false, false);
        }
    }

    /** @throws InvalidChatRequest if the body is not a chat request */
    static ChatRequest parse(String body) {
        if (body.isBlank()) {
            throw new InvalidChatRequest("unexpected EOF");
        }
        JsonNode root;
        try {
            root = OllamaJson.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new InvalidChatRequest("invalid character in request body: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidChatRequest("json: cannot unmarshal into Go value of type api.ChatRequest");
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isString() || model.stringValue().isBlank()) {
            throw new InvalidChatRequest("model is required");
        }
        JsonNode messages = root.path("messages");
        if (!messages.isMissingNode() && !messages.isNull() && !messages.isArray()) {
            throw new InvalidChatRequest("json: cannot unmarshal " + messages.getNodeType() + " into messages");
        }
        int promptChars = 0;
        String lastUser = "";
        // A repair turn ("your answer was invalid ...") has no page of its own: keep reading the page it refers to.
        String lastUserWithPage = null;
        for (JsonNode message : messages) {
            JsonNode content = message.get("content");
            String text = content != null && content.isString() ? content.stringValue() : "";
            promptChars += text.length();
            JsonNode role = message.get("role");
            if (role != null && role.isString() && "user".equals(role.stringValue())) {
                lastUser = text;
                if (text.contains("<page")) {
                    lastUserWithPage = text;
                }
            }
        }
        JsonNode options = root.path("options");
        String pageMessage = lastUserWithPage != null ? lastUserWithPage : lastUser;
        return new ChatRequest(bool(root.get("stream"), true), PageText.of(pageMessage), TokenEstimate.ofChars(promptChars),
                positiveInt(options.get("num_ctx")), positiveInt(options.get("num_predict")),
                bool(root.get("truncate"), true), messages.isEmpty(), model.stringValue());
    }

    private static boolean bool(JsonNode node, boolean absent) {
        return node != null && node.isBoolean() ? node.booleanValue() : absent;
    }

    private static int positiveInt(JsonNode node) {
        return node != null && node.canConvertToInt() && node.isNumber() ? Math.max(0, node.intValue()) : 0;
    }
}
