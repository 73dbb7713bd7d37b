package io.matterpipeline.extract.modelhttp;

import io.matterpipeline.error.PipelineException;
import io.matterpipeline.model.ModelClient;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.LoopResources;
import reactor.netty.resources.ConnectionProvider;

/**
 * JSON over HTTP to one model server, on Reactor Netty's non-blocking client: a POST's body goes out as bytes, the
 * answer comes back as bytes on the connection's event loop, and nothing waits on a thread. Shared by the Ollama and
 * the OpenAI-compatible adapters.
 *
 * <p>The reply (or failure) is handed on on a scheduler of the client's own with two threads per allowed call, never
 * on the event loop: a caller's slow handling of one reply delays neither the connection's return to the pool nor
 * other calls' replies (one hop per call, where the blocking client before took a thread for the whole call).
 *
 * <p>At most {@code maxConcurrentCalls} calls are open at once: the connection pool has that many connections, and a
 * call beyond them waits (without a thread) for one to be released, at most {@code 8 × maxConcurrentCalls} waiting.
 * A call cancelled (by the caller's timeout) closes its connection, so the server sees the call end and it never runs
 * beside its own retry. {@code timeout} bounds the connect and the wait for the answer after the request was sent.
 * A failure is classified once by {@link CallFailures}; this client never retries (Reactor Netty's own retry on a
 * closed keep-alive connection is off: an idle connection is dropped after 4 s, before servers close theirs).
 */
public final class ModelHttpClient {

    private static final Logger log = LoggerFactory.getLogger(ModelHttpClient.class);
    /**
     * The model clients' own event loops (daemon threads, one set per JVM), not Reactor Netty's global ones: Spring
     * disposes the global loops and their connections when any application context using them closes, which in a JVM
     * running several services (the standalone, the tests) would cut the other services' model calls.
     */
    private static final Runnable NOTHING = () -> { };
    private static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(5);
    private static final LoopResources LOOPS = LoopResources.create("model-http", LoopResources.DEFAULT_IO_WORKER_COUNT,
            true);

    private final HttpClient http;
    private final String baseUrl;
    private final Duration timeout;
    private final boolean logBodies;
    private final Scheduler replies;
    private final int maxConnections;

    /**
     * @param name the client's name in its thread names, e.g. {@code ollama}
     * @param baseUrl the server, without a trailing slash
     * @param authorization the {@code Authorization} header to send, or null for none
     * @param logBodies log request and response bodies at INFO (they hold document text: debugging only); headers,
     *     which may hold a key, are never logged
     */
    public ModelHttpClient(String name, String baseUrl, Duration timeout, int maxConcurrentCalls, String authorization,
            boolean logBodies) {
        this.baseUrl = baseUrl;
        this.timeout = timeout;
        this.logBodies = logBodies;
        this.maxConnections = maxConcurrentCalls;
        String host = baseUrl.replaceFirst("^https?://", "");
        // Daemon threads that end after a minute idle: a client needs no close, and an idle worker holds no threads.
        this.replies = Schedulers.newBoundedElastic(2 * maxConcurrentCalls,
                Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE, name + "-" + host, 60, true);
        ConnectionProvider pool = ConnectionProvider.builder(name + "-" + host)
                .maxConnections(maxConcurrentCalls)
                .pendingAcquireMaxCount(8 * maxConcurrentCalls)
                .pendingAcquireTimeout(timeout)
                // An idle worker holds no connections; a model server may close idle ones sooner (uvicorn: 5 s).
                .maxIdleTime(Duration.ofSeconds(4))
                .build();
        this.http = HttpClient.create(pool)
                .runOn(LOOPS)
                // Never a second send of a request the server may have read: the caller's retry decides.
                .disableRetry(true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .responseTimeout(timeout)
                .headers(headers -> {
                    headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
                    headers.set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON);
                    if (authorization != null) {
                        headers.set(HttpHeaderNames.AUTHORIZATION, authorization);
                    }
                });
    }

    /**
     * POSTs {@code body} to {@code baseUrl + path} and maps the 2xx answer's bytes, with the time from sending the
     * request to the answer, with {@code reply} (on the event loop: it must not block). Any other status fails with the {@link PipelineException} of
     * {@link CallFailures#fromStatus}, the answer's body as its message; every other failure is translated by
     * {@link CallFailures#translate}.
     *
     * @param label what the call is for, named in failures
     */
    public <T> Mono<T> post(String path, byte[] body, String label, BiFunction<byte[], Duration, T> reply) {
        return Mono.deferContextual(context -> {
            long start = System.nanoTime();
            Runnable answered = context.getOrDefault(ModelClient.ANSWERED, NOTHING);
            if (logBodies) {
                log.info("Model request to {}{} ({}): {}", baseUrl, path, label,
                        new String(body, StandardCharsets.UTF_8));
            }
            // A known length: one write of headers and body, never a chunked body in separate packets.
            return http.headers(headers -> headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length))
                    .post()
                    .uri(baseUrl + path)
                    .send((request, out) -> out.sendByteArray(Mono.just(body)))
                    .responseSingle((response, content) -> content.asByteArray()
                            .defaultIfEmpty(new byte[0])
                            .map(bytes -> {
                                int status = response.status().code();
                                if (status / 100 == 2) {
                                    // First the caller's hook (its slot comes free), then the parsing and the hop.
                                    answered.run();
                                }
                                if (logBodies) {
                                    log.info("Model response from {}{} ({}): HTTP {} {}", baseUrl, path, label,
                                            status, new String(bytes, StandardCharsets.UTF_8));
                                }
                                if (status / 100 != 2) {
                                    throw CallFailures.fromStatus(status, new String(bytes, StandardCharsets.UTF_8)
                                            + " (" + baseUrl + ", " + label + ")", null);
                                }
                                return reply.apply(bytes, Duration.ofNanos(System.nanoTime() - start));
                            }))
                    // Off the event loop before the caller sees the reply: what follows (checking the answer,
                    // handing it on) never holds the loop, and the connection goes back to the pool at once.
                    .publishOn(replies);
        }).onErrorMap(error -> !(error instanceof PipelineException),
                error -> CallFailures.translate(error, baseUrl, timeout, label));
    }

    /**
     * Opens the connections of this client's pool ahead of its first calls: {@code GET baseUrl + path} (something the
     * server answers without generating) as many times at once as the pool has connections, each holding its
     * connection until answered. The event loops, the HTTP codec and the connections are then ready when the first
     * calls come, instead of costing them their first second. Completes when all have ended; never fails.
     */
    public Mono<Void> warmUp(String path) {
        return warmUp(path, null, answer -> { });
    }

    /**
     * Like {@link #warmUp(String)}, with {@code POST body} (a request the server answers without generating, such as
     * Ollama's model load) and each 2xx answer's bytes handed to {@code answer} (to warm their parsing as well).
     */
    public Mono<Void> warmUp(String path, byte[] body, Consumer<byte[]> answer) {
        Duration limit = timeout.compareTo(WARM_UP_TIMEOUT) < 0 ? timeout : WARM_UP_TIMEOUT;
        HttpClient client = http.responseTimeout(limit);
        return http.warmup()
                .then(Flux.range(0, maxConnections)
                        .flatMap(i -> {
                            HttpClient.ResponseReceiver<?> request = body == null ? client.get().uri(baseUrl + path)
                                    : client.headers(headers -> headers.setInt(HttpHeaderNames.CONTENT_LENGTH,
                                                    body.length))
                                            .post().uri(baseUrl + path)
                                            .send((out, outbound) -> outbound.sendByteArray(Mono.just(body)));
                            return request.responseSingle((response, content) -> content.asByteArray()
                                            .defaultIfEmpty(new byte[0])
                                            .doOnNext(bytes -> {
                                                int status = response.status().code();
                                                if (status / 100 == 2) {
                                                    answer.accept(bytes);
                                                } else if (status / 100 == 4 && i == 0) {
                                                    refused(body == null ? "GET" : "POST", path, status, bytes);
                                                }
                                            })
                                            .then())
                                    .timeout(limit)
                                    .onErrorResume(error -> Mono.empty());
                        }, maxConnections)
                        .then())
                .onErrorResume(error -> Mono.empty());
    }

    /**
     * A warm-up call refused with a 4xx: said once per warm-up, at WARN, because the real calls will most likely be
     * refused the same way (an Ollama without the configured model answers its model load 404 {@code model 'X' not
     * found}, and every page's call after it too), and the operator should see it when the service starts, not page
     * by page. A 5xx is not said: a busy or failing server may well answer the next call.
     */
    private void refused(String method, String path, int status, byte[] body) {
        String answer = new String(body, StandardCharsets.UTF_8);
        log.warn("The model server's warm-up call {} {}{} was answered HTTP {}: {} - calls like it will fail the same "
                + "way until the server has what they ask for (for a model server: the model pulled)", method, baseUrl,
                path, status, answer.length() > 300 ? answer.substring(0, 300) + "..." : answer);
    }

    /** The server this client calls. */
    public String baseUrl() {
        return baseUrl;
    }
}
