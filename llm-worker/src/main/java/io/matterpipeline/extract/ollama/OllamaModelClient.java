package io.matterpipeline.extract.ollama;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.extract.langchain4j.CallFailures;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelFailures;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.model.ModelMessage;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@link ModelClient} over langchain4j's synchronous {@link OllamaChatModel}. Each call runs on
 * scheduler of its own with one thread per allowed concurrent call (langchain4j's client is synchronous, and the shared
 * {@link Schedulers#boundedElastic()} has only ten threads per core: 8 replicas of 8 slots would starve on it);
 * langchain4j's own retries are off ({@code maxRetries(0)}) so that the caller's
 * retry (with backoff and jitter) decides where the next attempt goes.
 */
final class OllamaModelClient implements ModelClient {

    private final OllamaClientOptions options;
    private final OllamaChatModel chatModel;
    private final ModelLimits limits;
    // Released only when the HTTP call really ended: a cancelled subscriber cannot leave an orphaned call running
    // beside the retry that replaced it, so the server never sees more than maxConcurrentCalls from this client.
    private final Semaphore permits;
    private final Scheduler calls;

    OllamaModelClient(OllamaClientOptions options) {
        this.options = options;
        this.limits = new ModelLimits(options.numCtx(), options.numPredict());
        this.permits = new Semaphore(options.maxConcurrentCalls(), true);
        // Daemon threads that end after a minute idle: a client needs no close, and an idle worker holds no threads.
        this.calls = Schedulers.newBoundedElastic(options.maxConcurrentCalls(), Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE,
                "ollama-" + options.baseUrl().replaceFirst("^https?://", ""), 60, true);
        this.chatModel = OllamaChatModel.builder()
                .baseUrl(options.baseUrl())
                .modelName(options.model())
                .numCtx(options.numCtx())
                .numPredict(options.numPredict())
                .temperature(options.temperature())
                .seed(options.seed())
                .timeout(options.timeout())
                .maxRetries(0)
                .logRequests(options.logRequests())
                .logResponses(options.logRequests())
                .build();
    }

    @Override
    public Mono<ModelReply> chat(ModelRequest request) {
        return Mono.fromCallable(() -> call(request))
                .subscribeOn(calls)
                .onErrorMap(error -> !(error instanceof PipelineException), error -> translate(error, request.label()));
    }

    @Override
    public ModelLimits limits() {
        return limits;
    }

    @Override
    public Mono<Void> probe() {
        return OllamaModelClients.versionCall(options.baseUrl(), Duration.ofSeconds(5))
                .onErrorResume(error -> Mono.just(false))
                .flatMap(ok -> ok ? Mono.<Void>empty()
                        : Mono.error(new TransientException(ModelFailures.UNREACHABLE,
                                "No Ollama server answers at " + options.baseUrl())));
    }

    private ModelReply call(ModelRequest request) throws InterruptedException {
        ChatRequest.Builder chat = ChatRequest.builder().messages(toChatMessages(request.messages()));
        if (request.responseSchema() != null) {
            // A raw schema is sent to Ollama as "format" unchanged (JsonSchemaElementUtils parses it into a map).
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
                    model == null || model.isBlank() ? options.model() : model,
                    elapsed, options.baseUrl());
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

    /** Classifies a langchain4j or JDK HTTP failure once, into the reasons {@link ModelClient} documents. */
    PipelineException translate(Throwable error, String label) {
        return CallFailures.translate(error, options.baseUrl(), options.timeout(), label);
    }
}
