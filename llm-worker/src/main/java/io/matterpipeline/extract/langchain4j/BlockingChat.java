package io.matterpipeline.extract.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.matterpipeline.model.ModelMessage;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * One synchronous langchain4j chat call, shared by the Ollama and OpenAI-compatible adapters: our request in, our
 * reply out, with at most {@code slots} calls at once. The permit is released only when the HTTP call really ended,
 * so a call cancelled by a timeout never runs beside its own retry. Blocks: run it on the adapter's own scheduler.
 */
public final class BlockingChat {

    private final ChatModel chatModel;
    private final Semaphore permits;
    private final String fallbackModel;
    private final String endpoint;

    /**
     * @param fallbackModel the model name to report when the server names none
     * @param endpoint the server's base URL, reported with every reply
     */
    public BlockingChat(ChatModel chatModel, int slots, String fallbackModel, String endpoint) {
        this.chatModel = chatModel;
        this.permits = new Semaphore(slots, true);
        this.fallbackModel = fallbackModel;
        this.endpoint = endpoint;
    }

    /** Makes the call on the current thread. A raw response schema is sent unchanged (Ollama {@code format}). */
    public ModelReply call(ModelRequest request) throws InterruptedException {
        ChatRequest.Builder chat = ChatRequest.builder().messages(toChatMessages(request.messages()));
        if (request.responseSchema() != null) {
            chat.responseFormat(ResponseFormat.builder()
                    .type(ResponseFormatType.JSON)
                    .jsonSchema(JsonSchema.builder().name("extraction")
                            .rootElement(JsonRawSchema.from(request.responseSchema())).build())
                    .build());
        }
        ChatRequest chatRequest = chat.build();
        permits.acquire();
        try {
            long start = System.nanoTime();
            ChatResponse response = chatModel.chat(chatRequest);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            TokenUsage usage = response.metadata().tokenUsage();
            String model = response.metadata().modelName();
            return new ModelReply(response.aiMessage() == null ? "" : response.aiMessage().text(),
                    doneReason(response.metadata().finishReason()),
                    usage == null || usage.inputTokenCount() == null ? 0 : usage.inputTokenCount(),
                    usage == null || usage.outputTokenCount() == null ? 0 : usage.outputTokenCount(),
                    model == null || model.isBlank() ? fallbackModel : model,
                    elapsed, endpoint);
        } finally {
            permits.release();
        }
    }

    private static List<ChatMessage> toChatMessages(List<ModelMessage> messages) {
        return messages.stream().<ChatMessage>map(message -> switch (message.role()) {
            case SYSTEM -> SystemMessage.from(message.content());
            case USER -> UserMessage.from(message.content());
            case ASSISTANT -> AiMessage.from(message.content());
        }).toList();
    }

    private static ModelReply.DoneReason doneReason(FinishReason reason) {
        if (reason == FinishReason.STOP) {
            return ModelReply.DoneReason.STOP;
        }
        return reason == FinishReason.LENGTH ? ModelReply.DoneReason.LENGTH : ModelReply.DoneReason.OTHER;
    }
}
