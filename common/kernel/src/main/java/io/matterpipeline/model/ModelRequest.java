package io.matterpipeline.model;

import java.util.List;
import java.util.Objects;

/**
 * One chat call.
 *
 * @param messages the conversation, oldest first (usually a system message, then user and assistant turns)
 * @param responseSchema a JSON Schema (as JSON text) the answer must follow, sent as the server's structured-output
 *     constraint; null for free text
 * @param label what the call is for (e.g. {@code matter/document/page}), for logs and errors only
 */
public record ModelRequest(List<ModelMessage> messages, String responseSchema, String label) {

    public ModelRequest {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a chat request needs at least one message");
        }
        label = label == null ? "" : label;
    }
}
