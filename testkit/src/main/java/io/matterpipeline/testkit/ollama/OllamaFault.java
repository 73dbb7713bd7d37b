package io.matterpipeline.testkit.ollama;

/**
 * The failures the simulator can inject into {@code POST /api/chat}, each shaped like the real Ollama failure it stands
 * for. At most one fault applies to a call.
 */
public enum OllamaFault {

    /** HTTP 500 {@code {"error": "llama runner process has terminated: ..."}}, answered at once without a slot. */
    SERVER_ERROR,

    /**
     * HTTP 503 {@code {"error": "server busy, please try again.  maximum pending requests exceeded"}}, answered at once,
     * exactly as when the pending queue is full.
     */
    BUSY,

    /**
     * A correct answer that arrives {@link OllamaFaults#slowDelay() slowDelay} late, on top of the normal latency, while
     * holding its slot: a client with a shorter timeout gives up first.
     */
    SLOW,

    /**
     * HTTP 200 whose content is the answer cut in half (invalid JSON) with {@code done_reason: "length"}, as when the
     * model runs into {@code num_predict}.
     */
    TRUNCATED,

    /**
     * HTTP 200 with {@code done_reason: "stop"} and well-formed JSON content that violates the extraction schema
     * (a required field missing, a field of the wrong type, or an additional property, in rotation).
     */
    SCHEMA_VIOLATION
}
