package io.matterpipeline.ingest.api;

import io.matterpipeline.bus.TraceContext;
import io.matterpipeline.telemetry.LogContext;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Makes an HTTP request the parent of the messages it publishes (an upload's {@code DocumentReceived}, a seal's
 * {@code MatterSealed}, ...): it writes the request's traceparent into the Reactor context under
 * {@link TraceContext#PROPERTY}, where every bus adapter's publish reads it, and its trace and span ids as
 * {@link LogContext} fields, so the request's log lines carry them.
 *
 * <p>The request's traceparent is the current OpenTelemetry span's when there is one (the Azure Monitor agent
 * instruments WebFlux server requests, and its span is current when the filter chain is invoked); without one, a
 * child of the request's W3C {@code traceparent} header when it has a valid one (the caller's trace is continued);
 * else a new trace, one per request.
 */
public final class RequestTrace implements WebFilter, Ordered {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        return Mono.defer(() -> {
            String traceparent = traceparentOf(Span.current().getSpanContext(),
                    exchange.getRequest().getHeaders().getFirst(TraceContext.PROPERTY));
            return chain.filter(exchange).contextWrite(context -> LogContext.write(
                    context.put(TraceContext.PROPERTY, traceparent),
                    Map.of(LogContext.TRACE_ID, TraceContext.traceId(traceparent),
                            LogContext.SPAN_ID, TraceContext.spanId(traceparent))));
        });
    }

    @Override
    public int getOrder() {
        // Before the access filter: its refusals are logged with the request's ids too.
        return Ordered.HIGHEST_PRECEDENCE + 50;
    }

    static String traceparentOf(SpanContext current, String header) {
        if (current.isValid()) {
            return "00-" + current.getTraceId() + "-" + current.getSpanId() + "-" + current.getTraceFlags().asHex();
        }
        return TraceContext.isValid(header) ? TraceContext.child(header) : TraceContext.generate();
    }
}
