package io.matterpipeline.extract.observe;

import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import io.matterpipeline.telemetry.ConsumerTelemetry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import reactor.core.publisher.Mono;

/**
 * One model endpoint's client, observed: each call is a {@code CLIENT} span (a dependency in Application Insights)
 * under the handling of the page, with the OpenTelemetry GenAI attributes — {@code gen_ai.operation.name},
 * {@code gen_ai.system}, {@code gen_ai.request.model}, {@code gen_ai.response.model},
 * {@code gen_ai.usage.input_tokens}, {@code gen_ai.usage.output_tokens}, {@code gen_ai.response.finish_reasons},
 * {@code server.address}/{@code server.port} — and the tokens are counted in {@code matterpipeline.model.tokens}
 * (endpoint, type {@code input}/{@code output}). Neither prompts nor answers are recorded: they are client documents.
 */
public final class ObservedModelClient implements ModelClient {

    private static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    private static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    private static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");

    private final ModelClient delegate;
    private final String endpoint;
    private final String system;
    private final String model;
    private final Tracer tracer;
    private final Counter inputTokens;
    private final Counter outputTokens;

    private ObservedModelClient(ModelClient delegate, String endpoint, String system, String model,
            OpenTelemetry openTelemetry, MeterRegistry meters) {
        this.delegate = delegate;
        this.endpoint = endpoint;
        this.system = system;
        this.model = model;
        this.tracer = openTelemetry.getTracer("io.matterpipeline.model");
        this.inputTokens = tokens(meters, "input");
        this.outputTokens = tokens(meters, "output");
    }

    /**
     * @param endpoint the endpoint's URL (its name in metrics and the span's server address)
     * @param system {@code ollama} or {@code openai}
     * @param model the model asked for
     */
    public static ModelClient observe(ModelClient delegate, String endpoint, String system, String model,
            OpenTelemetry openTelemetry, MeterRegistry meters) {
        return new ObservedModelClient(delegate, endpoint, system, model, openTelemetry, meters);
    }

    @Override
    public Mono<ModelReply> chat(ModelRequest request) {
        return Mono.deferContextual(context -> {
            Context parent = context.getOrDefault(ConsumerTelemetry.OTEL_CONTEXT, Context.current());
            var builder = tracer.spanBuilder("chat " + model)
                    .setParent(parent)
                    .setSpanKind(SpanKind.CLIENT)
                    .setAttribute("gen_ai.operation.name", "chat")
                    .setAttribute("gen_ai.system", system)
                    .setAttribute("gen_ai.request.model", model);
            URI uri = uri(endpoint);
            if (uri != null && uri.getHost() != null) {
                builder.setAttribute("server.address", uri.getHost());
                if (uri.getPort() > 0) {
                    builder.setAttribute(AttributeKey.longKey("server.port"), (long) uri.getPort());
                }
            }
            Span span = builder.startSpan();
            return delegate.chat(request)
                    .contextWrite(inner -> inner.put(ConsumerTelemetry.OTEL_CONTEXT, parent.with(span)))
                    .doOnNext(reply -> {
                        span.setAttribute("gen_ai.response.model", reply.model());
                        span.setAttribute(INPUT_TOKENS, reply.promptTokens());
                        span.setAttribute(OUTPUT_TOKENS, reply.outputTokens());
                        span.setAttribute(FINISH_REASONS,
                                List.of(reply.doneReason().name().toLowerCase(Locale.ROOT)));
                        inputTokens.increment(reply.promptTokens());
                        outputTokens.increment(reply.outputTokens());
                    })
                    .doOnError(error -> span.recordException(error)
                            .setAttribute("error.type", error.getClass().getSimpleName())
                            .setStatus(StatusCode.ERROR, error.getClass().getSimpleName()))
                    .doFinally(signal -> span.end());
        });
    }

    @Override
    public ModelLimits limits() {
        return delegate.limits();
    }

    @Override
    public Mono<Void> probe() {
        return delegate.probe();
    }

    @Override
    public Mono<Void> warmUp() {
        return delegate.warmUp();
    }

    private Counter tokens(MeterRegistry meters, String type) {
        return Counter.builder("matterpipeline.model.tokens").description("Tokens read (input) and written (output)")
                .tag("endpoint", endpoint).tag("type", type).register(meters);
    }

    private static URI uri(String endpoint) {
        try {
            return URI.create(endpoint);
        } catch (IllegalArgumentException notAUri) {
            return null;
        }
    }
}
