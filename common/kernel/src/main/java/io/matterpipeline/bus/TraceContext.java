package io.matterpipeline.bus;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * W3C Trace Context (<a href="https://www.w3.org/TR/trace-context/">traceparent</a>) as it travels with a message:
 * the application property {@value #PROPERTY}. A publisher takes it from the Reactor context key {@value #PROPERTY}
 * when present, so a handler that wants its outgoing messages in the same trace writes
 * {@code .contextWrite(Context.of(TraceContext.PROPERTY, delivery.properties().get(TraceContext.PROPERTY)))}.
 */
public final class TraceContext {

    /** Application property and Reactor context key of the traceparent. */
    public static final String PROPERTY = "traceparent";

    private static final Pattern TRACEPARENT =
            Pattern.compile("[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}");
    private static final HexFormat HEX = HexFormat.of();

    private TraceContext() {
    }

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

    private static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
