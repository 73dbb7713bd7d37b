package io.matterpipeline.testkit.ollama;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An Ollama-compatible HTTP server on 127.0.0.1 whose one model, {@value #MODEL}, answers every chat with the
 * deterministic {@link SimulatedExtraction} of the page in the prompt.
 *
 * <p>Endpoints: {@code POST /api/chat} (NDJSON stream by default, one JSON object with {@code "stream": false}),
 * the OpenAI-compatible {@code POST /v1/chat/completions} and {@code GET /v1/models} (as vLLM serves them; same slots,
 * faults and stats),
 * {@code GET /api/tags}, {@code POST /api/show}, {@code GET /api/ps}, {@code GET /api/version}, {@code GET /} and
 * {@code HEAD /}. A server given {@link OllamaSimulatorOptions#models()} has those and answers a call for any other
 * model 404, as an Ollama that lacks it; by default every name is served. Chat calls
 * take {@link OllamaSimulatorOptions#latency()} (plus jitter) on Reactor timers, at most
 * {@link OllamaSimulatorOptions#slots()} at a time; up to {@link OllamaSimulatorOptions#maxQueue()} more wait, the rest
 * get Ollama's 503. Faults are injected through {@link #faults()}, while running.
 *
 * <pre>{@code
 * try (OllamaSimulator ollama = OllamaSimulator.start(OllamaSimulatorOptions.builder().slots(2).build())) {
 *     ollama.faults().injectNext(OllamaFault.SERVER_ERROR, 1);
 *     // point the client at ollama.baseUrl()
 * }
 * }</pre>
 */
public final class OllamaSimulator implements AutoCloseable {

    /** The name of the simulated model, reported in every answer whatever model was asked for. */
    public static final String MODEL = "simulated";

    /** The Ollama version the simulator claims to be. */
    public static final String VERSION = "0.12.6";

    private static final Logger log = LoggerFactory.getLogger(OllamaSimulator.class);
    private static final String RUNNING = "Ollama is running";
    private static final String JSON = "application/json; charset=utf-8";
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final int WARM_UP_CONCURRENCY = 8;
    private static final Duration WARM_UP_TIMEOUT = Duration.ofMinutes(2);
    private static final String DIGEST = sha256(MODEL);

    private final OllamaSimulatorOptions options;
    private final OllamaFaults faults;
    private final SlotQueue slots;
    private final StatsRecorder stats = new StatsRecorder();
    private final Instant startedAt = Instant.now();
    private final DisposableServer server;

    private OllamaSimulator(OllamaSimulatorOptions options) {
        this.options = options;
        this.faults = new OllamaFaults(options.seed(), options.faultRates(), options.slowDelay());
        this.slots = new SlotQueue(options.slots(), options.maxQueue());
        ChatEndpoint chat = new ChatEndpoint(options, faults, slots, stats);
        OpenAiChatEndpoint openAi = new OpenAiChatEndpoint(options, faults, slots, stats);
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(options.port())
                .route(routes -> routes
                        .post("/api/chat", chat::handle)
                        .post("/v1/chat/completions", openAi::handle)
                        .get("/v1/models", (request, response) -> json(response, openAiModels()))
                        .post("/api/show", this::show)
                        .get("/api/tags", (request, response) -> json(response, models(false)))
                        .get("/api/ps", (request, response) -> json(response, models(true)))
                        .get("/api/version", (request, response) -> json(response, OllamaJson.object().put("version", VERSION)))
                        .get("/", (request, response) -> response
                                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                                .sendString(Mono.just(RUNNING)))
                        .head("/", (request, response) -> response
                                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                                .header(HttpHeaderNames.CONTENT_LENGTH, String.valueOf(RUNNING.length()))
                                .send()))
                .bindNow(BIND_TIMEOUT);
        log.info("Ollama simulator listening on {} (latency {}, jitter {}, slots {}, max queue {}, seed {})",
                baseUrl(), options.latency(), options.jitter(), options.slots(), options.maxQueue(), options.seed());
    }

    /**
     * Starts a simulator and waits until it listens.
     *
     * @throws RuntimeException if the port cannot be bound within 10 seconds
     */
    public static OllamaSimulator start(OllamaSimulatorOptions options) {
        return new OllamaSimulator(Objects.requireNonNull(options, "options"));
    }

    /**
     * Serves {@code calls} chat calls of a contract page each, {@value #WARM_UP_CONCURRENCY} at a time, on a simulator of
     * its own with no latency, then closes it: the whole answer path (the HTTP server, reading the request, the
     * extraction, writing the answer) is loaded and compiled in this JVM before a benchmark's replicas take calls. A
     * real model server's code is warm before it takes calls; without this, a benchmark's first minute would count
     * the simulators' class loading and compiling on the cores it shares with the pipeline. Once per JVM is enough.
     *
     * @return what the warm-up simulator served
     * @throws IllegalStateException if a call is not answered 200
     */
    public static OllamaSimulatorStats warmUp(int calls) {
        try (OllamaSimulator simulator = start(OllamaSimulatorOptions.builder().slots(WARM_UP_CONCURRENCY).build())) {
            HttpClient client = HttpClient.create().baseUrl(simulator.baseUrl());
            Flux.range(0, calls)
                    .flatMap(call -> client.headers(headers -> headers.set(HttpHeaderNames.CONTENT_TYPE, JSON))
                            .post().uri("/api/chat")
                            .send(ByteBufMono.fromString(Mono.fromCallable(() -> warmUpCall(call))))
                            .responseSingle((response, body) -> response.status().code() == 200 ? body.asString()
                                    : Mono.error(new IllegalStateException("The warm-up call was answered "
                                            + response.status()))), WARM_UP_CONCURRENCY)
                    .then()
                    .block(WARM_UP_TIMEOUT);
            return simulator.stats();
        }
    }

    /** A chat call as the pipeline's worker makes it: rules, then one page of contract text with its facts. */
    private static String warmUpCall(int call) {
        ObjectNode body = OllamaJson.object().put("model", MODEL).put("stream", false);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "Extract the parties, dates and amounts.");
        messages.addObject().put("role", "user").put("content", "<page number=\"" + (call + 1) + "\">\n"
                + "This Services Agreement is made on " + (1 + call % 28) + " March 2024 between Acme Holdings Ltd "
                + "(the Supplier) and Beta Retail LLC (the Customer). The Customer shall pay the Supplier USD "
                + (1_000 + call) + ",000 within 30 days. This Agreement is governed by the laws of England and Wales. "
                + "Either party may terminate it on 90 days' written notice. Case No. 1:24-cv-" + (10_000 + call)
                + "\n</page>");
        body.putObject("options").put("num_ctx", 8192).put("num_predict", 1024);
        return OllamaJson.write(body);
    }

    /** Starts a simulator with {@link OllamaSimulatorOptions#defaults()}: a free port, no latency, no faults. */
    public static OllamaSimulator start() {
        return start(OllamaSimulatorOptions.defaults());
    }

    /** {@code http://127.0.0.1:PORT}, without a trailing slash. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** The port listened on; the one picked when the options said 0. */
    public int port() {
        return server.port();
    }

    public OllamaSimulatorOptions options() {
        return options;
    }

    /** The fault injection of this simulator; changes apply to the next chat call. */
    public OllamaFaults faults() {
        return faults;
    }

    /** A snapshot of the chat calls served. */
    public OllamaSimulatorStats stats() {
        return stats.snapshot(slots);
    }

    /** Zeroes the call counts and restarts the peaks from the current in-flight and queued numbers. */
    public void resetStats() {
        stats.reset(slots);
    }

    /** Stops listening and drops open connections; waits up to 5 seconds. */
    @Override
    public void close() {
        // Held answers would keep their connections open through the whole close timeout.
        faults.release();
        server.disposeNow(CLOSE_TIMEOUT);
    }

    private static Mono<Void> json(HttpServerResponse response, ObjectNode body) {
        return response.header(HttpHeaderNames.CONTENT_TYPE, JSON)
                .sendString(Mono.fromCallable(() -> OllamaJson.write(body)), StandardCharsets.UTF_8)
                .then();
    }

    /** The names the server lists: its models, or the simulated one when it serves every name. */
    private Collection<String> names() {
        return options.models().isEmpty() ? List.of(MODEL) : options.models();
    }

    private ObjectNode openAiModels() {
        ObjectNode body = OllamaJson.object().put("object", "list");
        ArrayNode data = body.putArray("data");
        for (String name : names()) {
            data.addObject().put("id", name).put("object", "model")
                    .put("created", startedAt.getEpochSecond()).put("owned_by", "matter-pipeline");
        }
        return body;
    }

    private ObjectNode models(boolean loaded) {
        ObjectNode body = OllamaJson.object();
        ArrayNode models = body.putArray("models");
        for (String name : names()) {
            ObjectNode model = models.addObject();
            model.put("name", name);
            model.put("model", name);
            if (!loaded) {
                model.put("modified_at", startedAt.toString());
            }
            model.put("size", 1_048_576L);
            model.put("digest", DIGEST);
            details(model.putObject("details"));
            if (loaded) {
                model.put("expires_at", Instant.now().plus(Duration.ofMinutes(5)).toString());
                model.put("size_vram", 0L);
            }
        }
        return body;
    }

    private static void details(ObjectNode details) {
        details.put("parent_model", "");
        details.put("format", "gguf");
        details.put("family", MODEL);
        details.putArray("families").add(MODEL);
        details.put("parameter_size", "0B");
        details.put("quantization_level", "none");
    }

    /**
     * {@code POST /api/show} with {@code model} (or the older {@code name}): the model's details, or 404 when the server
     * does not have it; how a client checks a model is there before its first chat.
     */
    private Mono<Void> show(HttpServerRequest request, HttpServerResponse response) {
        return request.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("").flatMap(body -> {
            String model;
            try {
                JsonNode root = OllamaJson.MAPPER.readTree(body.isBlank() ? "{}" : body);
                model = root.path("model").asString(root.path("name").asString(""));
            } catch (JacksonException e) {
                return error(response, HttpResponseStatus.BAD_REQUEST, "invalid character in request body: "
                        + e.getOriginalMessage());
            }
            if (model.isBlank()) {
                return error(response, HttpResponseStatus.BAD_REQUEST, "model is required");
            }
            if (!options.serves(model)) {
                return error(response, HttpResponseStatus.NOT_FOUND, ChatEndpoint.notFound(model));
            }
            ObjectNode shown = OllamaJson.object().put("modelfile", "").put("parameters", "").put("template", "");
            details(shown.putObject("details"));
            shown.putObject("model_info");
            shown.putArray("capabilities").add("completion");
            shown.put("modified_at", startedAt.toString());
            return json(response, shown);
        });
    }

    private static Mono<Void> error(HttpServerResponse response, HttpResponseStatus status, String message) {
        return response.status(status).header(HttpHeaderNames.CONTENT_TYPE, JSON)
                .sendString(Mono.just(OllamaJson.error(message)), StandardCharsets.UTF_8)
                .then();
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
