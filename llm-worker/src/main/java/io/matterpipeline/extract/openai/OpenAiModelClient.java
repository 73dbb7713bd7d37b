package io.matterpipeline.extract.openai;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@link ModelClient} over langchain4j's synchronous {@link OpenAiChatModel}, for OpenAI-compatible servers. The
 * answer is constrained with {@code response_format: {"type": "json_schema", ...}}, which vLLM (guided decoding) and
 * llama.cpp (grammar) enforce; {@code strict} stays off because the OpenAI strict subset forbids keywords our schemas
 * use, and we validate the full schema afterwards anyway. Calls run on a scheduler of their own, one thread per
 * allowed concurrent call; langchain4j's retries are off.
 */
final class OpenAiModelClient implements ModelClient {

    /** Servers without authentication still expect the header; this is what vLLM's docs use. */
    private static final String NO_KEY = "EMPTY";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final OpenAiClientOptions options;
    private final OpenAiChatModel chatModel;
    private final ModelLimits limits;
    private final Semaphore permits;
    private final Scheduler calls;

    OpenAiModelClient(OpenAiClientOptions options) {
        this.options = options;
        this.limits = new ModelLimits(options.contextTokens(), options.maxTokens());
        this.permits = new Semaphore(options.maxConcurrentCalls(), true);
        this.calls = Schedulers.newBoundedElastic(options.maxConcurrentCalls(),
                Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE,
                "openai-" + options.baseUrl().replaceFirst("^https?://", ""), 60, true);
        this.chatModel = OpenAiChatModel.builder()
                .baseUrl(options.baseUrl())
                .apiKey(options.apiKey() == null || options.apiKey().isBlank() ? NO_KEY : options.apiKey())
                .modelName(options.model())
                .maxTokens(options.maxTokens())
                .temperature(options.temperature())
                .seed(options.seed())
                .timeout(options.timeout())
                .maxRetries(0)
                .strictJsonSchema(false)
                .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA)
                .logRequests(options.logRequests())
                .logResponses(options.logRequests())
                .build();
    }

    @Override
    public Mono<ModelReply> chat(ModelRequest request) {
        return Mono.fromCallable(() -> call(request))
                .subscribeOn(calls)
                .onErrorMap(error -> !(error instanceof PipelineException),
                        error -> CallFailures.translate(error, options.baseUrl(), options.timeout(), request.label()));
    }

    @Override
    public ModelLimits limits() {
        return limits;
    }

    /** {@code GET {baseUrl}/models}, which vLLM and llama.cpp serve without generating anything. */
    @Override
    public Mono<Void> probe() {
        return Mono.defer(() -> {
            HttpClient client = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create(options.baseUrl() + "/models"))
                    .timeout(PROBE_TIMEOUT).GET().build();
            return Mono.fromFuture(() -> client.sendAsync(request, HttpResponse.BodyHandlers.discarding()))
                    .map(response -> response.statusCode() / 100 == 2);
        }).onErrorReturn(false).flatMap(ok -> ok ? Mono.<Void>empty()
                : Mono.error(new TransientException(ModelFailures.UNREACHABLE,
                        "No OpenAI-compatible server answers at " + options.baseUrl())));
    }

    private ModelReply call(ModelRequest request) throws InterruptedException {
        ChatRequest.Builder chat = ChatRequest.builder().messages(toChatMessages(request.messages()));
        if (request.responseSchema() != null) {
            chat.responseFormat(ResponseFormat.builder()
                    .type(ResponseFormatType.JSON)
                    .jsonSchema(JsonSchema.builder().name("extraction")
                            .rootElement(JsonRawSchema.from(request.responseSchema())).build())
                    .build());
        }
        ChatRequest chatRequest = chat.build();
        // Released only when the HTTP call really ended, as in the Ollama adapter.
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
}
