package io.matterpipeline.bus;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import reactor.util.context.ContextView;

/**
 * W3C Trace Context (<a href="https://www.w3.org/TR/trace-context/">traceparent</a>) as it travels with a message:
 * the application property {@value #PROPERTY}. A publisher takes it from the Reactor context key {@value #PROPERTY}
 * when present, so a handler that wants its outgoing messages in the same trace writes
 * {@code .contextWrite(Context.of(TraceContext.PROPERTY, delivery.properties().get(TraceContext.PROPERTY)))}.
 *
 * <p>The hooks every adapter uses: a publisher writes {@link #outgoing(ContextView)} into the message (Service Bus: an
 * application property; Kafka: a header of the same name), and a receiver hands its properties (or headers) over as
 * {@link Delivery#properties()}, from which {@link QueueConsumer} continues the trace ({@link #incoming(Map)}): the
 * handling gets its own span id in the same trace, and everything it publishes carries that span as parent.
 */
public final class TraceContext {

    /** Application property and Reactor context key of the traceparent. */
    public static final String PROPERTY = "traceparent";

    private static final Pattern TRACEPARENT =
            Pattern.compile("[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}");
    private static final HexFormat HEX = HexFormat.of();

    private TraceContext() {
    }

    /** The Azure SDKs' older name of the same value (the Service Bus SDK reads it first on receive). */
    public static final String DIAGNOSTIC_ID = "Diagnostic-Id";

    /** True when the value is a well-formed traceparent (version, non-zero trace id and parent id, flags). */
    public static boolean isValid(String traceparent) {
        return traceparent != null && TRACEPARENT.matcher(traceparent).matches();
    }

    /** A new sampled traceparent with a random trace id and parent id. */
    public static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] traceId = new byte[16];
        byte[] spanId = new byte[8];
        do {
            random.nextBytes(traceId);
        } while (isZero(traceId));
        do {
            random.nextBytes(spanId);
        } while (isZero(spanId));
        return "00-" + HEX.formatHex(traceId) + "-" + HEX.formatHex(spanId) + "-01";
    }

    /**
     * The traceparent a publisher writes: the Reactor context's (the handling span of the message being handled, or
     * a caller's), else a new trace.
     */
    public static String outgoing(ContextView context) {
        String fromContext = context.getOrDefault(PROPERTY, null);
        return isValid(fromContext) ? fromContext : generate();
    }

    /** The message with {@link #outgoing(ContextView)} as its {@value #PROPERTY} unless it carries a valid one. */
    public static OutboundMessage traced(OutboundMessage message, ContextView context) {
        if (isValid(message.properties().get(PROPERTY))) {
            return message;
        }
        Map<String, String> properties = new LinkedHashMap<>(message.properties());
        properties.put(PROPERTY, outgoing(context));
        return new OutboundMessage(message.messageId(), message.type(), message.body(), properties);
    }

    /**
     * The traceparent a received message carries: its {@value #PROPERTY} property (or Kafka header), else a
     * {@value #DIAGNOSTIC_ID} holding one; null when there is none or it is malformed.
     */
    public static String incoming(Map<String, String> properties) {
        String traceparent = properties.get(PROPERTY);
        if (isValid(traceparent)) {
            return traceparent;
        }
        String diagnosticId = properties.get(DIAGNOSTIC_ID);
        return isValid(diagnosticId) ? diagnosticId : null;
    }

    /** A traceparent in the same trace with a new span id and the same flags: the span of handling a message. */
    public static String child(String parent) {
        if (!isValid(parent)) {
            return generate();
        }
        byte[] spanId = new byte[8];
        do {
            ThreadLocalRandom.current().nextBytes(spanId);
        } while (isZero(spanId));
        return parent.substring(0, 36) + HEX.formatHex(spanId) + parent.substring(52);
    }

    /** The 32 hex digits of the trace id of a valid traceparent. */
    public static String traceId(String traceparent) {
        return traceparent.substring(3, 35);
    }

    /** The 16 hex digits of the span (parent) id of a valid traceparent. */
    public static String spanId(String traceparent) {
        return traceparent.substring(36, 52);
    }

    /** Whether the sampled flag of a valid traceparent is set. */
    public static boolean isSampled(String traceparent) {
        return (HexFormat.fromHexDigits(traceparent, 53, 55) & 1) == 1;
    }

    private static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
