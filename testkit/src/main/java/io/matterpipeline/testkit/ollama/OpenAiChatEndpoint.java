package io.matterpipeline.testkit.ollama;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/chat/completions} as vLLM serves it (non-streaming only), sharing the simulator's slots, faults and
 * stats with {@code /api/chat}, so one simulator can stand for a vLLM replica.
 *
 * <p>Like vLLM, a prompt longer than the context ({@link OllamaSimulatorOptions#defaultNumCtx()}) is refused with 400
 * and "maximum context length" rather than cut. Like a small model without constrained decoding, the answer is the
 * JSON wrapped in a sentence of prose unless the request asks for {@code response_format} {@code json_schema} or
 * {@code json_object}.
 */
final class OpenAiChatEndpoint {

    static final String PROSE_PREFIX = "Sure! Here is the extraction you asked for:\n";

    private static final String JSON = "application/json";

    private final OllamaSimulatorOptions options;
    private final OllamaFaults faults;
    private final SlotQueue slots;
    private final StatsRecorder stats;
    private final Random jitter;
    private final AtomicInteger schemaViolations = new AtomicInteger();

    OpenAiChatEndpoint(OllamaSimulatorOptions options, OllamaFaults faults, SlotQueue slots, StatsRecorder stats) {
        this.options = options;
        this.faults = faults;
        this.slots = slots;
        this.stats = stats;
        this.jitter = new Random(options.seed() ^ 0x0A1L);
    }

    /** The parts of a chat completion request the simulator acts on. */
    private record Request(String model, String pageText, int promptTokens, int maxTokens, boolean structured) {
    }

    Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        long arrivalNanos = System.nanoTime();
        stats.callReceived();
        SlotQueue.Ticket ticket = new SlotQueue.Ticket();
        AtomicBoolean generating = new AtomicBoolean();
        AtomicBoolean answered = new AtomicBoolean();
        return request.receive().aggregate().asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .flatMap(body -> admit(body, arrivalNanos, ticket, generating, answered, request, response))
                .doFinally(signal -> {
                    if (generating.getAndSet(false)) {
                        stats.generationEnded();
                    }
                    slots.release(ticket);
                    if (answered.compareAndSet(false, true)) {
                        stats.answered(499);
                    }
                });
    }

    private Mono<Void> admit(String body, long arrivalNanos, SlotQueue.Ticket ticket, AtomicBoolean generating,
            AtomicBoolean answered, HttpServerRequest http, HttpServerResponse response) {
        Request request;
        try {
            request = parse(body);
        } catch (IllegalArgumentException e) {
            return error(response, answered, 400, "BadRequestError", e.getMessage());
        }
        if (!options.serves(request.model())) {
            // vLLM's answer to a model it does not serve.
            return error(response, answered, 404, "NotFoundError", "The model `" + request.model()
                    + "` does not exist.");
        }
        int contextTokens = options.defaultNumCtx();
        if (request.promptTokens() + request.maxTokens() > contextTokens) {
            return error(response, answered, 400, "BadRequestError", "This model's maximum context length is "
                    + contextTokens + " tokens. However, you requested " + (request.promptTokens() + request.maxTokens())
                    + " tokens (" + request.promptTokens() + " in the messages, " + request.maxTokens()
                    + " in the completion). Please reduce the length of the messages or completion.");
        }
        OllamaFault fault = faults.nextCall();
        if (fault != null) {
            stats.faultInjected(fault);
        }
        if (fault == OllamaFault.SERVER_ERROR) {
            return error(response, answered, 500, "InternalServerError", ChatEndpoint.RUNNER_TERMINATED);
        }
        if (fault == OllamaFault.BUSY) {
            return error(response, answered, 503, "ServiceUnavailableError", ChatEndpoint.BUSY);
        }
        return slots.acquire(ticket)
                .then(Mono.defer(() -> {
                    generating.set(true);
                    stats.generationStarted();
                    // Composed first, then ready the generation time after arrival (or the slot's hand-over), as
                    // in ChatEndpoint: the simulator's own work is part of the latency, not added to it.
                    ObjectNode completion = completion(request, fault);
                    Duration delay = ticket.generationLeft(delay(fault), arrivalNanos, System.nanoTime());
                    Mono<Void> wait = GenerationTimer.after(http, delay).then(Mono.defer(faults::gate));
                    // The slot is free before the answer's bytes go out (see ChatEndpoint.Call#endGeneration).
                    Mono<Void> generated = Mono.fromRunnable(() -> {
                        if (generating.getAndSet(false)) {
                            stats.generationEnded();
                            slots.release(ticket);
                        }
                    });
                    return wait.then(generated)
                            .then(Mono.defer(() -> answer(response, answered, completion)));
                }))
                .onErrorResume(SlotQueue.QueueFullException.class,
                        e -> error(response, answered, 503, "ServiceUnavailableError", ChatEndpoint.BUSY));
    }

    private static Request parse(String body) {
        JsonNode root;
        try {
            root = OllamaJson.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("Invalid JSON body: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("The request body must be a JSON object");
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isString() || model.stringValue().isBlank()) {
            throw new IllegalArgumentException("model is required");
        }
        JsonNode messages = root.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw new IllegalArgumentException("messages must be a non-empty array");
        }
        int promptChars = 0;
        String lastUser = "";
        String lastUserWithPage = null;
        for (JsonNode message : messages) {
            JsonNode content = message.get("content");
            String text = content != null && content.isString() ? content.stringValue() : "";
            promptChars += text.length();
            if ("user".equals(message.path("role").asString(""))) {
                lastUser = text;
                if (text.contains("<page")) {
                    lastUserWithPage = text;
                }
            }
        }
        JsonNode maxTokens = root.has("max_completion_tokens") ? root.get("max_completion_tokens")
                : root.get("max_tokens");
        String format = root.path("response_format").path("type").asString("text");
        return new Request(model.stringValue(), PageText.of(lastUserWithPage != null ? lastUserWithPage : lastUser),
                TokenEstimate.ofChars(promptChars),
                maxTokens != null && maxTokens.isNumber() ? Math.max(0, maxTokens.intValue()) : 0,
                "json_schema".equals(format) || "json_object".equals(format));
    }

    private ObjectNode completion(Request request, OllamaFault fault) {
        String content;
        if (fault == OllamaFault.SCHEMA_VIOLATION) {
            ObjectNode extraction = LegalExtractor.extract(request.pageText());
            switch (Math.floorMod(schemaViolations.getAndIncrement(), 3)) {
                case 0 -> extraction.remove("summary");
                case 1 -> extraction.put("parties", "unknown");
                default -> extraction.put("confidence", 0.42);
            }
            content = OllamaJson.write(extraction);
        } else {
            content = SimulatedExtraction.fromPageText(request.pageText());
        }
        if (!request.structured()) {
            content = PROSE_PREFIX + content;
        }
        String finish = "stop";
        if (fault == OllamaFault.TRUNCATED) {
            content = content.substring(0, Math.max(1, content.length() / 2));
            finish = "length";
        } else if (request.maxTokens() > 0 && TokenEstimate.of(content) > request.maxTokens()) {
            content = content.substring(0, request.maxTokens() * TokenEstimate.CHARS_PER_TOKEN);
            finish = "length";
        }
        int completionTokens = Math.max(1, TokenEstimate.of(content));
        ObjectNode body = OllamaJson.object();
        body.put("id", "chatcmpl-" + UUID.randomUUID());
        body.put("object", "chat.completion");
        body.put("created", System.currentTimeMillis() / 1000);
        body.put("model", request.model());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", content);
        choice.put("finish_reason", finish);
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", Math.max(1, request.promptTokens()));
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", Math.max(1, request.promptTokens()) + completionTokens);
        return body;
    }

    private Duration delay(OllamaFault fault) {
        Duration delay = options.latency();
        long jitterNanos = options.jitter().toNanos();
        if (jitterNanos > 0) {
            synchronized (jitter) {
                delay = delay.plusNanos(jitter.nextLong(jitterNanos + 1));
            }
        }
        return fault == OllamaFault.SLOW ? delay.plus(faults.slowDelay()) : delay;
    }

    private Mono<Void> answer(HttpServerResponse response, AtomicBoolean answered, ObjectNode body) {
        if (answered.compareAndSet(false, true)) {
            stats.answered(200);
        }
        return send(response, 200, body);
    }

    private Mono<Void> error(HttpServerResponse response, AtomicBoolean answered, int status, String type,
            String message) {
        if (answered.compareAndSet(false, true)) {
            stats.answered(status);
        }
        ObjectNode body = OllamaJson.object();
        body.putObject("error").put("message", message).put("type", type).put("code", status);
        return send(response, status, body);
    }

    private static Mono<Void> send(HttpServerResponse response, int status, ObjectNode body) {
        return response.status(HttpResponseStatus.valueOf(status))
                .header(HttpHeaderNames.CONTENT_TYPE, JSON)
                .sendString(Mono.fromCallable(() -> OllamaJson.write(body)), StandardCharsets.UTF_8)
                .then();
    }
}
