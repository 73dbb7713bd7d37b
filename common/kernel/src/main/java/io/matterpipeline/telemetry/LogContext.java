package io.matterpipeline.telemetry;

import io.matterpipeline.contract.DocumentFailed;
import io.matterpipeline.contract.DocumentReceived;
import io.matterpipeline.contract.DocumentSplit;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PageFailed;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PipelineMessage;
import io.micrometer.context.ContextRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.MDC;

/**
 * The log fields of the message being handled: {@value #MATTER_ID}, {@value #DOCUMENT_ID}, {@value #PAGE_NUMBER},
 * {@value #TRACE_ID} and {@value #SPAN_ID}. The consumer writes them into the Reactor context of the handling; with
 * Reactor's automatic context propagation on ({@code spring.reactor.context-propagation=auto}, a default of every
 * service) and the accessors {@link #register() registered} with Micrometer's context-propagation, Reactor copies them
 * into the SLF4J MDC around every operator of the handler on whatever thread it runs, so each log line of the
 * handling (and of its settlement) carries them, in the structured JSON logs too.
 */
public final class LogContext {

    public static final String MATTER_ID = "matterId";
    public static final String DOCUMENT_ID = "documentId";
    public static final String PAGE_NUMBER = "pageNumber";
    public static final String TRACE_ID = "traceId";
    public static final String SPAN_ID = "spanId";

    /** Every key, in the order they are written. */
    public static final List<String> KEYS = List.of(MATTER_ID, DOCUMENT_ID, PAGE_NUMBER, TRACE_ID, SPAN_ID);

    private static volatile boolean registered;

    private LogContext() {
    }

    /** Registers an MDC accessor per key with the global {@link ContextRegistry}; idempotent. */
    public static synchronized void register() {
        if (registered) {
            return;
        }
        ContextRegistry registry = ContextRegistry.getInstance();
        for (String key : KEYS) {
            registry.registerThreadLocalAccessor(key, () -> MDC.get(key), value -> MDC.put(key, value),
                    () -> MDC.remove(key));
        }
        registered = true;
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
}
