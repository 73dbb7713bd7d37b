package io.matterpipeline.extract.ollama;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelFailures;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.model.ModelMessage;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@link ModelClient} over langchain4j's synchronous {@link OllamaChatModel}. Each call runs on
 * {@link Schedulers#boundedElastic()}; langchain4j's own retries are off ({@code maxRetries(0)}) so that the caller's
 * retry (with backoff and jitter) decides where the next attempt goes.
 */
final class OllamaModelClient implements ModelClient {

    private final OllamaClientOptions options;
    private final OllamaChatModel chatModel;
    private final ModelLimits limits;
    // Released only when the HTTP call really ended: a cancelled subscriber cannot leave an orphaned call running
    // beside the retry that replaced it, so the server never sees more than maxConcurrentCalls from this client.
    private final Semaphore permits;

    OllamaModelClient(OllamaClientOptions options) {
        this.options = options;
        this.limits = new ModelLimits(options.numCtx(), options.numPredict());
        this.permits = new Semaphore(options.maxConcurrentCalls(), true);
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
                .subscribeOn(Schedulers.boundedElastic())
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
        String where = " (" + options.baseUrl() + ", " + label + ")";
        // One pass per kind, most specific first: langchain4j wraps a connect timeout in its TimeoutException.
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpException http) {
                return fromStatus(http.statusCode(), http.getMessage() + where, error);
            }
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpConnectTimeoutException || cause instanceof ConnectException
                    || cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
                return new TransientException(ModelFailures.UNREACHABLE,
                        "The model server cannot be reached: " + cause + where, error);
            }
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpTimeoutException || cause instanceof dev.langchain4j.exception.TimeoutException
                    || cause instanceof java.util.concurrent.TimeoutException) {
                return new TransientException(ModelFailures.TIMEOUT,
                        "No answer within " + options.timeout() + where, error);
            }
            if (cause instanceof InterruptedException) {
                return new TransientException(ModelFailures.TIMEOUT, "The model call was interrupted" + where, error);
            }
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException) {
                return new TransientException(ModelFailures.UNREACHABLE,
                        "The connection to the model server failed: " + cause + where, error);
            }
        }
        // An answer langchain4j could not read, or anything unforeseen: another attempt may well succeed.
        return new TransientException(ModelFailures.SERVER_ERROR, "The model call failed: " + error + where, error);
    }

    private static PipelineException fromStatus(int status, String message, Throwable error) {
        if (status == 503 || status == 429) {
            return new TransientException(ModelFailures.BUSY, "HTTP " + status + ": " + message, error);
        }
        if (status == 408) {
            return new TransientException(ModelFailures.TIMEOUT, "HTTP 408: " + message, error);
        }
        if (status >= 500) {
            return new TransientException(ModelFailures.SERVER_ERROR, "HTTP " + status + ": " + message, error);
        }
        if (status == 404) {
            return new NotFoundException(ModelFailures.MODEL_NOT_FOUND, "HTTP 404: " + message, error);
        }
        String lower = message.toLowerCase(Locale.ROOT);
        if (lower.contains("context length") || lower.contains("context window") || lower.contains("too long")) {
            return new BadInputException(ModelFailures.PROMPT_TOO_LONG, "HTTP " + status + ": " + message, error);
        }
        return new BadInputException(ModelFailures.REJECTED, "HTTP " + status + ": " + message, error);
    }
}
