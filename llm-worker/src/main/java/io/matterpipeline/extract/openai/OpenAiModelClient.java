package io.matterpipeline.extract.openai;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.extract.modelhttp.ChatJson;
import io.matterpipeline.extract.modelhttp.ModelHttpClient;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelFailures;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * {@link ModelClient} over {@code POST {baseUrl}/chat/completions} ({@code stream: false}) of OpenAI-compatible
 * servers, with {@link ModelHttpClient}. The answer is constrained with
 * {@code response_format: {"type": "json_schema", ...}}, which vLLM (guided decoding) and llama.cpp (grammar)
 * enforce; {@code strict} stays off because the OpenAI strict subset forbids keywords our schemas use, and we
 * validate the full schema afterwards anyway. It never retries by itself.
 */
final class OpenAiModelClient implements ModelClient {

    /** Servers without authentication still expect the header; this is what vLLM's docs use. */
    private static final String NO_KEY = "EMPTY";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final OpenAiClientOptions options;
    private final ModelHttpClient http;
    private final ModelLimits limits;

    OpenAiModelClient(OpenAiClientOptions options) {
        this.options = options;
        this.limits = new ModelLimits(options.contextTokens(), options.maxTokens());
        String key = options.apiKey() == null || options.apiKey().isBlank() ? NO_KEY : options.apiKey();
        this.http = new ModelHttpClient("openai", options.baseUrl(), options.timeout(), options.maxConcurrentCalls(),
                "Bearer " + key, options.logRequests());
    }

    @Override
    public Mono<ModelReply> chat(ModelRequest request) {
        return Mono.defer(() -> {
            byte[] body = ChatJson.write(out -> {
                out.writeStartObject();
                out.writeStringProperty("model", options.model());
                ChatJson.messages(out, request.messages());
                out.writeNumberProperty("temperature", options.temperature());
                out.writeNumberProperty("max_tokens", options.maxTokens());
                if (options.seed() != null) {
                    out.writeNumberProperty("seed", options.seed());
                }
                if (request.responseSchema() != null) {
                    out.writeName("response_format");
                    out.writeStartObject();
                    out.writeStringProperty("type", "json_schema");
                    out.writeName("json_schema");
                    out.writeStartObject();
                    out.writeStringProperty("name", "extraction");
                    out.writeBooleanProperty("strict", false);
                    ChatJson.rawSchema(out, "schema", request.responseSchema());
                    out.writeEndObject();
                    out.writeEndObject();
                }
                out.writeBooleanProperty("stream", false);
                out.writeEndObject();
            });
            return http.post("/chat/completions", body, request.label(), this::reply);
        });
    }

    private ModelReply reply(byte[] answer, Duration elapsed) {
        JsonNode root = MessageCodec.mapper().readTree(answer);
        JsonNode choice = root.path("choices").path(0);
        JsonNode usage = root.path("usage");
        String model = root.path("model").asString("");
        return new ModelReply(choice.path("message").path("content").asString(""),
                ChatJson.doneReason(choice.path("finish_reason").asString("")),
                usage.path("prompt_tokens").asLong(0), usage.path("completion_tokens").asLong(0),
                model.isBlank() ? options.model() : model, elapsed, options.baseUrl());
    }

    /** Opens a connection per slot with {@code GET /models} (no generation). */
    @Override
    public Mono<Void> warmUp() {
        return http.warmUp("/models");
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

}
