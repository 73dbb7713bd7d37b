package io.matterpipeline.model;

import reactor.core.publisher.Mono;

/**
 * The model client port: one chat call to a self-hosted language model. Adapters: Ollama ({@code /api/chat}) and,
 * later, OpenAI-compatible servers; a routing client can wrap several of them (one per replica) behind this same
 * interface, so callers never know how many servers answer.
 *
 * <p>One call is one attempt: adapters do not retry (the caller retries with backoff, so a retry can go to another
 * replica). Failures arrive inside the {@link Mono} as pipeline exceptions with a stable reason:
 * <ul>
 *   <li>{@link io.matterpipeline.error.TransientException}: {@link ModelFailures#BUSY} (HTTP 503/429),
 *       {@link ModelFailures#SERVER_ERROR} (other 5xx), {@link ModelFailures#TIMEOUT},
 *       {@link ModelFailures#UNREACHABLE} (connection refused, DNS) — worth another attempt;</li>
 *   <li>{@link io.matterpipeline.error.BadInputException}: {@link ModelFailures#PROMPT_TOO_LONG} (the server refused
 *       an over-long prompt), {@link ModelFailures#REJECTED} (any other 4xx) — the same request fails again;</li>
 *   <li>{@link io.matterpipeline.error.NotFoundException}: {@link ModelFailures#MODEL_NOT_FOUND}.</li>
 * </ul>
 * A reply that stopped at the output limit is not an error here: it is a reply with
 * {@link ModelReply.DoneReason#LENGTH}, and the caller must not use its content as a result.
 */
public interface ModelClient {

    /**
     * Key of a {@link Runnable} a caller may put in the subscriber context of {@link #chat}: an adapter runs it once,
     * the moment the server's whole successful (2xx) answer has arrived, before it parses the answer or hands the
     * reply on to another thread. A router gives the call's slot back there, so the next call starts without waiting
     * for that hop; a failed call keeps its slot until its failure has been counted, so the router can steer the next
     * call away from the endpoint that failed. It must be quick and must not block (it may run on an event loop).
     */
    String ANSWERED = ModelClient.class.getName() + ".answered";

    /** Sends one chat request; emits the reply once the whole answer arrived. */
    Mono<ModelReply> chat(ModelRequest request);

    /** The context and output limits pinned on every request of this client. */
    ModelLimits limits();

    /**
     * A cheap reachability check (no generation): completes empty when the server answers, errors with a
     * {@link io.matterpipeline.error.TransientException} ({@link ModelFailures#UNREACHABLE}) when it does not.
     */
    Mono<Void> probe();

    /**
     * Readies the client for its first calls, e.g. opens the connections they will use and loads the client's code,
     * so that a call's time is the model's. Completes when done; never fails (a server that is down now is found by
     * the calls). The default does nothing.
     */
    default Mono<Void> warmUp() {
        return Mono.empty();
    }
}
