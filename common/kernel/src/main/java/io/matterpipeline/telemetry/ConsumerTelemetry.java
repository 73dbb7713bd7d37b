package io.matterpipeline.telemetry;

import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.TraceContext;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PageFailed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;
import reactor.core.publisher.SignalType;
import reactor.util.context.ContextView;

/**
 * What the queue consumer loop reports about each delivery: a span continuing the message's trace, the
 * {@link LogContext} of the handling, and the consumer metrics. Installed on every {@link io.matterpipeline.bus
 * .QueueConsumer} and {@link io.matterpipeline.bus.RawQueueConsumer} bean by the kernel's telemetry
 * auto-configuration; a consumer built by hand reports nothing ({@link #none()}).
 *
 * <p>Trace continuation is adapter-neutral: the span's parent is {@link TraceContext#incoming} of the delivery's
 * properties, which every adapter fills from its wire format (Service Bus application properties; Kafka headers).
 * The span is a {@code CONSUMER} span named {@code "<queue> process"} (a request in Application Insights), current
 * while the handler is subscribed (so the Azure Monitor agent's instrumentation of the Service Bus and Blob SDKs and of
 * HTTP clients parents its dependencies under it) and in the Reactor context under {@link #OTEL_CONTEXT} (for spans the
 * pipeline starts itself, such as the model call). Everything the handler publishes carries the handling span as
 * parent ({@link TraceContext#PROPERTY} in the Reactor context). Without an OpenTelemetry implementation (no agent)
 * spans are no-ops, but trace and span ids still travel and appear in the logs.
 *
 * <p>Metrics: {@code matterpipeline.handler.duration} (queue, type, outcome), {@code matterpipeline.handler.in.flight}
 * (queue), {@code matterpipeline.handler.retries} (queue, reason), {@code matterpipeline.deadletters} (queue, reason),
 * {@code matterpipeline.pages} (outcome {@code extracted}/{@code failed}: PageExtracted and PageFailed handled).
 */
public final class ConsumerTelemetry {

    /** Reactor context key of the OpenTelemetry {@link Context} of the handling. */
    public static final String OTEL_CONTEXT = "matterpipeline.otel-context";

    private static final ConsumerTelemetry NONE = new ConsumerTelemetry(new CompositeMeterRegistry(),
            OpenTelemetry.noop());
    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    static {
        // Loads OpenTelemetry's context storage (a service lookup, which reads files) here rather than on the first
        // delivery, which runs on a non-blocking thread.
        W3CTraceContextPropagator.getInstance().extract(Context.root(), Map.of(), GETTER);
    }

    private final MeterRegistry meters;
    private final Tracer tracer;

    private ConsumerTelemetry(MeterRegistry meters, OpenTelemetry openTelemetry) {
        this.meters = meters;
        this.tracer = openTelemetry.getTracer("io.matterpipeline.consumer");
    }

    /** Reports nothing (metrics to no registry, no-op spans); trace ids still travel and are logged. */
    public static ConsumerTelemetry none() {
        return NONE;
    }

    /** Reports to these meters and this OpenTelemetry (the agent's, through {@code GlobalOpenTelemetry}). */
    public static ConsumerTelemetry of(MeterRegistry meters, OpenTelemetry openTelemetry) {
        return new ConsumerTelemetry(Objects.requireNonNull(meters, "meters"),
                Objects.requireNonNull(openTelemetry, "openTelemetry"));
    }

    /** Publishes a queue's in-flight count as {@code matterpipeline.handler.in.flight}. */
    public void inFlight(String queue, Supplier<Number> inFlight) {
        Gauge.builder("matterpipeline.handler.in.flight", inFlight)
                .description("Deliveries being handled right now").tag("queue", queue).register(meters);
    }

    /**
     * Runs the handling and settlement of one delivery inside its span and log context.
     *
     * @param ids the message's {@link LogContext} ids (Matter, document, page)
     */
    public Mono<Void> observe(String queue, Delivery delivery, Map<String, String> ids, Mono<Void> handleAndSettle) {
        return Mono.defer(() -> observed(queue, TraceContext.incoming(delivery.properties()), delivery.messageId(),
                delivery.type(), delivery, ids, handleAndSettle));
    }

    /**
     * Runs the handling of one message of a batch delivery inside a span of its own, as if it had been delivered
     * alone: its parent is the traceparent the message was sent with (else the delivery's), its attributes the
     * message's id, type and ids, and the delivery's count. Everything the handling publishes carries this span.
     *
     * @param traceparent the message's own traceparent; null or malformed: the delivery's
     */
    public Mono<Void> observePart(String queue, Delivery delivery, String messageId, String type, String traceparent,
            Map<String, String> ids, Mono<Void> handle) {
        return Mono.defer(() -> observed(queue, TraceContext.isValid(traceparent) ? traceparent
                : TraceContext.incoming(delivery.properties()), messageId, type, delivery, ids, handle));
    }

    private Mono<Void> observed(String queue, String parent, String messageId, String type, Delivery delivery,
            Map<String, String> ids, Mono<Void> work) {
        Context parentContext = parent == null ? Context.root()
                : W3CTraceContextPropagator.getInstance().extract(Context.root(),
                        Map.of(TraceContext.PROPERTY, parent), GETTER);
        var builder = tracer.spanBuilder(queue + " process")
                .setParent(parentContext)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.destination.name", queue)
                .setAttribute("messaging.message.id", String.valueOf(messageId))
                .setAttribute(AttributeKey.longKey("messaging.delivery_count"), delivery.deliveryCount() + 1L);
        if (type != null) {
            builder.setAttribute("matterpipeline.message.type", type);
        }
        ids.forEach(builder::setAttribute);
        Span span = builder.startSpan();
        String traceparent = traceparentOf(span.getSpanContext(), parent);
        Context otel = parentContext.with(span);
        Map<String, String> logFields = new LinkedHashMap<>(ids);
        logFields.put(LogContext.TRACE_ID, TraceContext.traceId(traceparent));
        logFields.put(LogContext.SPAN_ID, TraceContext.spanId(traceparent));
        return new MonoOperator<Void, Void>(work) {
                    @Override
                    public void subscribe(CoreSubscriber<? super Void> actual) {
                        // Current while the handler's chain is subscribed: instrumentation that reads the thread's
                        // context (the agent's Reactor, Azure SDK and HTTP client hooks) sees the span.
                        try (Scope ignored = otel.makeCurrent()) {
                            source.subscribe(actual);
                        }
                    }
                }
                .contextWrite(context -> LogContext.write(context.put(TraceContext.PROPERTY, traceparent)
                        .put(OTEL_CONTEXT, otel), logFields))
                .doFinally(signal -> span.end());
    }

    /** Times the handler (not its settlement) and marks the handling span failed when it fails. */
    public Mono<Void> handler(String queue, String type, Mono<Void> work) {
        return Mono.deferContextual(context -> {
            long start = System.nanoTime();
            return work
                    .doOnError(error -> spanOf(context).recordException(error)
                            .setStatus(StatusCode.ERROR, error.getClass().getSimpleName()))
                    .doOnSuccess(ignored -> countPage(type))
                    .doFinally(signal -> Timer.builder("matterpipeline.handler.duration")
                            .description("Time a handler took for one delivery, settlement excluded")
                            .tag("queue", queue).tag("type", type == null ? "unknown" : type)
                            .tag("outcome", outcome(signal))
                            .publishPercentiles(0.5, 0.95, 0.99)
                            .register(meters).record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
        });
    }

    /** Pages as the aggregator folds their outcome: {@code matterpipeline.pages} (outcome extracted / failed). */
    private void countPage(String type) {
        String outcome = PageExtracted.TYPE.equals(type) ? "extracted" : PageFailed.TYPE.equals(type) ? "failed" : null;
        if (outcome != null) {
            Counter.builder("matterpipeline.pages").description("Pages whose outcome the aggregator recorded")
                    .tag("outcome", outcome).register(meters).increment();
        }
    }

    /** Counts a delivery given back for redelivery ({@code matterpipeline.handler.retries}). */
    public Mono<Void> retried(String queue, String reason) {
        return Mono.deferContextual(context -> {
            Counter.builder("matterpipeline.handler.retries").description("Deliveries abandoned for a retry")
                    .tag("queue", queue).tag("reason", reason).register(meters).increment();
            spanOf(context).setAttribute("matterpipeline.settlement", "retry");
            return Mono.empty();
        });
    }

    /** Counts a dead-lettered delivery ({@code matterpipeline.deadletters}). */
    public Mono<Void> deadLettered(String queue, String reason) {
        return Mono.deferContextual(context -> {
            Counter.builder("matterpipeline.deadletters").description("Messages moved to the dead-letter queue")
                    .tag("queue", queue).tag("reason", reason).register(meters).increment();
            spanOf(context).setAttribute("matterpipeline.settlement", "dead-letter")
                    .setAttribute("matterpipeline.deadletter.reason", reason);
            return Mono.empty();
        });
    }

    /** The handling span in a Reactor context; a no-op span outside one. */
    public static Span spanOf(ContextView context) {
        Context otel = context.getOrDefault(OTEL_CONTEXT, null);
        return otel == null ? Span.getInvalid() : Span.fromContext(otel);
    }

    private static String traceparentOf(SpanContext span, String parent) {
        // A no-op tracer hands back the parent's span context: that is no span of ours.
        if (span.isValid() && (parent == null || !span.getSpanId().equals(TraceContext.spanId(parent)))) {
            return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex();
        }
        // No OpenTelemetry implementation: still one trace id across the services, a span id per handling.
        return parent == null ? TraceContext.generate() : TraceContext.child(parent);
    }

    private static String outcome(SignalType signal) {
        return switch (signal) {
            case ON_ERROR -> "failure";
            case CANCEL -> "cancelled";
            default -> "success";
        };
    }
}
