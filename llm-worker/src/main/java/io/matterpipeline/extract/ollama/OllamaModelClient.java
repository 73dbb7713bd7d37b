package io.matterpipeline.extract.ollama;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.extract.modelhttp.ChatJson;
import io.matterpipeline.extract.modelhttp.ModelHttpClient;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelFailures;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.model.ModelMessage;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * {@link ModelClient} over Ollama's {@code POST /api/chat} ({@code stream: false}), with {@link ModelHttpClient}: the
 * request body is written with Jackson's streaming generator, the call waits on no thread, and the answer is read on
 * the connection's event loop. It never retries by itself: the caller's retry (with backoff and jitter) decides where
 * the next attempt goes.
 */
final class OllamaModelClient implements ModelClient {

    private final OllamaClientOptions options;
    private final ModelHttpClient http;
    private final ModelLimits limits;

    OllamaModelClient(OllamaClientOptions options) {
        this.options = options;
        this.limits = new ModelLimits(options.numCtx(), options.numPredict());
        this.http = new ModelHttpClient("ollama", options.baseUrl(), options.timeout(), options.maxConcurrentCalls(), null,
                options.logRequests());
    }

    @Override
    public Mono<ModelReply> chat(ModelRequest request) {
        return Mono.defer(() -> http.post("/api/chat", body(request.messages(), request.responseSchema()),
                request.label(), this::reply));
    }

    private byte[] body(List<ModelMessage> messages, String responseSchema) {
        return ChatJson.write(out -> {
            out.writeStartObject();
            out.writeStringProperty("model", options.model());
            ChatJson.messages(out, messages);
            out.writeName("options");
            out.writeStartObject();
            out.writeNumberProperty("temperature", options.temperature());
            if (options.seed() != null) {
                out.writeNumberProperty("seed", options.seed());
            }
            out.writeNumberProperty("num_predict", options.numPredict());
            out.writeNumberProperty("num_ctx", options.numCtx());
            out.writeEndObject();
            if (responseSchema != null) {
                ChatJson.rawSchema(out, "format", responseSchema);
            }
            out.writeBooleanProperty("stream", false);
            out.writeEndObject();
        });
    }

    private ModelReply reply(byte[] answer, Duration elapsed) {
        JsonNode root = MessageCodec.mapper().readTree(answer);
        String model = root.path("model").asString("");
        return new ModelReply(root.path("message").path("content").asString(""),
                ChatJson.doneReason(root.path("done_reason").asString("")),
                root.path("prompt_eval_count").asLong(0), root.path("eval_count").asLong(0),
                model.isBlank() ? options.model() : model, elapsed, options.baseUrl());
    }

    /**
     * Opens the client's connections with Ollama's "load a model" call ({@code POST /api/chat} without messages, with
     * the options of the real calls, so that the model is loaded with their {@code num_ctx}): nothing is generated, and
     * the chat path of both ends (the request's writing, the server's handling, the answer's parsing) is warm before
     * the first page's call holds a slot.
     */
    @Override
    public Mono<Void> warmUp() {
        return http.warmUp("/api/chat", body(List.of(), null), answer -> reply(answer, Duration.ZERO));
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
}
