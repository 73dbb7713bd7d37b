package io.matterpipeline.telemetry;

import io.matterpipeline.contract.DocumentFailed;
import io.matterpipeline.contract.DocumentReceived;
import io.matterpipeline.contract.DocumentSplit;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PageFailed;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PipelineMessage;
import io.micrometer.context.ContextRegistry;
import io.micrometer.context.ThreadLocalAccessor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.MDC;
import reactor.util.context.Context;

/**
 * The log fields of the message being handled: {@value #MATTER_ID}, {@value #DOCUMENT_ID}, {@value #PAGE_NUMBER},
 * {@value #TRACE_ID} and {@value #SPAN_ID}. The consumer writes them into the Reactor context of the handling
 * ({@link #write}); with Reactor's automatic context propagation on ({@code spring.reactor.context-propagation=auto},
 * a default of every service) and the accessor {@link #register() registered} with Micrometer's context-propagation,
 * Reactor copies them into the SLF4J MDC around every operator of the handler on whatever thread it runs, so each log
 * line of the handling (and of its settlement) carries them, in the structured JSON logs too.
 *
 * <p>The fields travel as one context entry ({@value #CONTEXT_KEY}) with one thread-local accessor, not one per field:
 * Reactor captures and restores every registered accessor on each hop between threads and around each operator that
 * writes the context, so each accessor is paid for on every signal of every message.
 */
public final class LogContext {

    public static final String MATTER_ID = "matterId";
    public static final String DOCUMENT_ID = "documentId";
    public static final String PAGE_NUMBER = "pageNumber";
    public static final String TRACE_ID = "traceId";
    public static final String SPAN_ID = "spanId";

    /** Every key, in the order they are written. */
    public static final List<String> KEYS = List.of(MATTER_ID, DOCUMENT_ID, PAGE_NUMBER, TRACE_ID, SPAN_ID);

    /** Reactor context key of the fields, an unmodifiable {@code Map<String, String>}. */
    public static final String CONTEXT_KEY = "matterpipeline.log-context";

    /** The fields this thread has put into the MDC (the accessor's value), null when none. */
    private static final ThreadLocal<Map<String, String>> CURRENT = new ThreadLocal<>();

    private static volatile boolean registered;

    private LogContext() {
    }

    /** Registers the fields' MDC accessor with the global {@link ContextRegistry}; idempotent. */
    public static synchronized void register() {
        if (registered) {
            return;
        }
        ContextRegistry.getInstance().registerThreadLocalAccessor(new MdcAccessor());
        registered = true;
    }

    /** The context with these fields (of {@link #KEYS}) added to the ones it carries, later ones winning. */
    public static Context write(Context context, Map<String, String> fields) {
        Map<String, String> present = context.getOrDefault(CONTEXT_KEY, null);
        Map<String, String> all = new LinkedHashMap<>(present == null ? Map.of() : present);
        all.putAll(fields);
        return context.put(CONTEXT_KEY, Collections.unmodifiableMap(all));
    }

    /** The ids a message is about: the Matter, and the document and page when it names them. */
    public static Map<String, String> idsOf(PipelineMessage message) {
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put(MATTER_ID, message.matterId());
        // Java 17: no pattern switch yet.
        if (message instanceof PageTask task) {
            page(ids, task.documentId(), task.pageNumber());
        } else if (message instanceof PageExtracted extracted) {
            page(ids, extracted.documentId(), extracted.pageNumber());
        } else if (message instanceof PageFailed failed) {
            page(ids, failed.documentId(), failed.pageNumber());
        } else if (message instanceof DocumentReceived received) {
            ids.put(DOCUMENT_ID, received.documentId());
        } else if (message instanceof DocumentSplit split) {
            ids.put(DOCUMENT_ID, split.documentId());
        } else if (message instanceof DocumentFailed failed) {
            ids.put(DOCUMENT_ID, failed.documentId());
        }
        ids.values().removeIf(value -> value == null);
        return ids;
    }

    private static void page(Map<String, String> ids, String documentId, int pageNumber) {
        ids.put(DOCUMENT_ID, documentId);
        ids.put(PAGE_NUMBER, Integer.toString(pageNumber));
    }

    /**
     * Puts the context's fields into the MDC and takes them out again. Setting the map a thread already has (nested
     * operators of one handling on one thread) costs a comparison.
     */
    private static final class MdcAccessor implements ThreadLocalAccessor<Map<String, String>> {

        @Override
        public Object key() {
            return CONTEXT_KEY;
        }

        @Override
        public Map<String, String> getValue() {
            return CURRENT.get();
        }

        @Override
        public void setValue(Map<String, String> fields) {
            Map<String, String> previous = CURRENT.get();
            if (previous == fields) {
                return;
            }
            if (previous != null) {
                previous.keySet().forEach(key -> {
                    if (!fields.containsKey(key)) {
                        MDC.remove(key);
                    }
                });
            }
            fields.forEach(MDC::put);
            CURRENT.set(fields);
        }

        @Override
        public void setValue() {
            Map<String, String> previous = CURRENT.get();
            if (previous != null) {
                previous.keySet().forEach(MDC::remove);
                CURRENT.set(null);
            }
        }

        @Override
        @SuppressWarnings("deprecation")
        public void reset() {
            setValue();
        }
    }
}
