package io.matterpipeline.extract.openai;

import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.openai.OpenAiChatModel;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.extract.langchain4j.BlockingChat;
import io.matterpipeline.extract.langchain4j.CallFailures;
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
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@link ModelClient} over langchain4j's synchronous {@link OpenAiChatModel}, for OpenAI-compatible servers. The
 * answer is constrained with {@code response_format: {"type": "json_schema", ...}}, which vLLM (guided decoding) and
 * llama.cpp (grammar) enforce; {@code strict} stays off because the OpenAI strict subset forbids keywords our schemas
 * use, and we validate the full schema afterwards anyway. Calls run on a scheduler of their own, two threads per
 * allowed concurrent call; langchain4j's retries are off.
 */
final class OpenAiModelClient implements ModelClient {

    /** Servers without authentication still expect the header; this is what vLLM's docs use. */
    private static final String NO_KEY = "EMPTY";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private final OpenAiClientOptions options;
    private final BlockingChat chat;
    private final ModelLimits limits;
    private final Scheduler calls;

    OpenAiModelClient(OpenAiClientOptions options) {
        this.options = options;
        this.limits = new ModelLimits(options.contextTokens(), options.maxTokens());
        // Twice the calls: see OllamaModelClient.
        this.calls = Schedulers.newBoundedElastic(2 * options.maxConcurrentCalls(),
                Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE,
                "openai-" + options.baseUrl().replaceFirst("^https?://", ""), 60, true);
        this.chat = new BlockingChat(OpenAiChatModel.builder()
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
                .build(),
                options.maxConcurrentCalls(), options.model(), options.baseUrl());
    }

    @Override
    public Mono<ModelReply> chat(ModelRequest request) {
        return Mono.fromCallable(() -> chat.call(request))
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

}
