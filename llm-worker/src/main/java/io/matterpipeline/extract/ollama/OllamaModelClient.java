package io.matterpipeline.extract.ollama;

import dev.langchain4j.model.ollama.OllamaChatModel;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.extract.langchain4j.BlockingChat;
import io.matterpipeline.extract.langchain4j.CallFailures;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelFailures;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * {@link ModelClient} over langchain4j's synchronous {@link OllamaChatModel}. Each call runs on
 * scheduler of its own with two threads per allowed concurrent call (langchain4j's client is synchronous, and the shared
 * {@link Schedulers#boundedElastic()} has only ten threads per core: 8 replicas of 8 slots would starve on it);
 * langchain4j's own retries are off ({@code maxRetries(0)}) so that the caller's
 * retry (with backoff and jitter) decides where the next attempt goes.
 */
final class OllamaModelClient implements ModelClient {

    private final OllamaClientOptions options;
    private final BlockingChat chat;
    private final ModelLimits limits;
    private final Scheduler calls;

    OllamaModelClient(OllamaClientOptions options) {
        this.options = options;
        this.limits = new ModelLimits(options.numCtx(), options.numPredict());
        // Daemon threads that end after a minute idle: a client needs no close, and an idle worker holds no threads.
        // Twice the calls: a reply is checked on the thread that made the call, and meanwhile the slot it freed takes
        // the next call on another thread instead of queueing behind it (BlockingChat still allows only the slots).
        this.calls = Schedulers.newBoundedElastic(2 * options.maxConcurrentCalls(),
                Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE, "ollama-" + options.baseUrl().replaceFirst("^https?://", ""), 60, true);
        this.chat = new BlockingChat(OllamaChatModel.builder()
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
                .build(),
                options.maxConcurrentCalls(), options.model(), options.baseUrl());
    }

    @Override
    public Mono<ModelReply> chat(ModelRequest request) {
        return Mono.fromCallable(() -> chat.call(request))
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

    /** Classifies a langchain4j or JDK HTTP failure once, into the reasons {@link ModelClient} documents. */
    PipelineException translate(Throwable error, String label) {
        return CallFailures.translate(error, options.baseUrl(), options.timeout(), label);
    }
}
