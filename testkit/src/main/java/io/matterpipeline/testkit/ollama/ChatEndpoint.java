package io.matterpipeline.testkit.ollama;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /api/chat}: admission (validation, faults, slots), the simulated generation delay, and the answer as one
 * JSON object or as NDJSON lines.
 */
final class ChatEndpoint {

    static final String BUSY = "server busy, please try again.  maximum pending requests exceeded";
    static final String RUNNER_TERMINATED = "llama runner process has terminated: simulated fault";
    static final String CONTEXT_EXCEEDED = "the input length exceeds the context length";

    private static final String JSON = "application/json; charset=utf-8";
    private static final String NDJSON = "application/x-ndjson";

    private final OllamaSimulatorOptions options;
    private final OllamaFaults faults;
    private final SlotQueue slots;
    private final StatsRecorder stats;
    private final Random jitter;
    private final AtomicInteger schemaViolations = new AtomicInteger();

    ChatEndpoint(OllamaSimulatorOptions options, OllamaFaults faults, SlotQueue slots, StatsRecorder stats) {
        this.options = options;
        this.faults = faults;
        this.slots = slots;
        this.stats = stats;
        // Its own sequence, so the jitter drawn does not shift which calls the fault rates hit.
        this.jitter = new Random(options.seed() ^ 0x5DEECE66DL);
    }

    /** One chat call from arrival to the last byte, however it ends. */
    private final class Call {
        private static final int WAITING = 0;
        private static final int GENERATING = 1;
        private static final int ENDED = 2;

        final long startNanos = System.nanoTime();
        final SlotQueue.Ticket ticket = new SlotQueue.Ticket();
        final AtomicInteger phase = new AtomicInteger(WAITING);
        final AtomicBoolean answered = new AtomicBoolean();
        /** Whether the call is classified: counted as a chat call, or known to be a model load (never counted). */
        final AtomicBoolean classified = new AtomicBoolean();

        /**
         * Counts the call once its body says it is a chat call. Counting on arrival and taking a model load off again
         * later would let {@link OllamaSimulator#resetStats()} fall between the two: the counts after a reset would be
         * one short while a client warms up.
         */
        void countAsChatCall() {
            if (classified.compareAndSet(false, true)) {
                stats.callReceived();
            }
        }

        void classifyAsModelLoad() {
            classified.set(true);
        }

        boolean startGeneration() {
            if (phase.compareAndSet(WAITING, GENERATING)) {
                stats.generationStarted();
                return true;
            }
            return false;
        }

        /**
         * The answer is generated: its slot is free before the answer's bytes go out, as Ollama frees a slot when
         * generation ends. Freed after the write instead, a client sending its next call the moment this answer
         * arrived could find this call still counted (a peak in flight one above the slots it really used).
         */
        void endGeneration() {
            if (phase.compareAndSet(GENERATING, ENDED)) {
                stats.generationEnded();
                slots.release(ticket);
            }
        }

        void end() {
            // A client that left before its body arrived made a call all the same.
            countAsChatCall();
            if (phase.getAndSet(ENDED) == GENERATING) {
                stats.generationEnded();
            }
            slots.release(ticket);
            if (answered.compareAndSet(false, true)) {
                // The client left before any answer began, which Ollama logs as 499.
                stats.answered(499);
            }
        }

        Mono<Void> answer(HttpServerResponse response, int status, String contentType, Publisher<String> body) {
            if (answered.compareAndSet(false, true)) {
                stats.answered(status);
            }
            return response.status(HttpResponseStatus.valueOf(status))
                    .header(HttpHeaderNames.CONTENT_TYPE, contentType)
                    .sendString(body, StandardCharsets.UTF_8)
                    .then();
        }

        Mono<Void> error(HttpServerResponse response, int status, String message) {
            return answer(response, status, JSON, Mono.just(OllamaJson.error(message)));
        }
    }

    Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        Call call = new Call();
        return request.receive().aggregate().asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .flatMap(body -> admit(call, body, request, response))
                .doFinally(signal -> call.end());
    }

    private Mono<Void> admit(Call call, String body, HttpServerRequest http, HttpServerResponse response) {
        ChatRequest request;
        try {
            request = ChatRequest.parse(body);
        } catch (ChatRequest.InvalidChatRequest e) {
            call.countAsChatCall();
            return call.error(response, 400, e.getMessage());
        }
        if (!options.serves(request.model())) {
            if (request.load()) {
                call.classifyAsModelLoad();
            } else {
                call.countAsChatCall();
            }
            return call.error(response, 404, notFound(request.model()));
        }
        if (request.load()) {
            // Ollama's "load a model": no messages, answered at once (done_reason "load"), no slot, no generation.
            // Not a chat call, so no call in the stats: a client warming up leaves the counts of its pages as they are.
            call.classifyAsModelLoad();
            call.answered.set(true);
            ObjectNode loaded = line("");
            loaded.put("done_reason", "load");
            loaded.put("done", true);
            return response.status(HttpResponseStatus.OK).header(HttpHeaderNames.CONTENT_TYPE, JSON)
                    .sendString(Mono.just(OllamaJson.write(loaded)), StandardCharsets.UTF_8).then();
        }
        call.countAsChatCall();
        int numCtx = request.numCtx() > 0 ? request.numCtx() : options.defaultNumCtx();
        if (request.promptTokens() > numCtx && !request.truncate()) {
            return call.error(response, 400, CONTEXT_EXCEEDED);
        }
        OllamaFault fault = faults.nextCall();
        if (fault != null) {
            stats.faultInjected(fault);
        }
        if (fault == OllamaFault.SERVER_ERROR) {
            return call.error(response, 500, RUNNER_TERMINATED);
        }
        if (fault == OllamaFault.BUSY) {
            return call.error(response, 503, BUSY);
        }
        return slots.acquire(call.ticket)
                .then(Mono.defer(() -> call.startGeneration()
                        ? generate(call, request, numCtx, fault, http, response)
                        : Mono.<Void>empty()))
                .onErrorResume(SlotQueue.QueueFullException.class, e -> call.error(response, 503, BUSY));
    }

    /** Ollama's answer (404) to a call for a model it does not have. */
    static String notFound(String model) {
        return "model '" + model + "' not found";
    }

    private Mono<Void> generate(Call call, ChatRequest request, int numCtx, OllamaFault fault, HttpServerRequest http,
                                HttpServerResponse response) {
        Answer answer = answer(request, numCtx, fault);
        // The answer is ready the generation time after the call arrived (or got its slot), not after the time the
        // simulator spent reading the request and composing the answer on top of it; a whole answer's bytes are
        // composed before the timer, so that when it fires the answer only has to be written.
        long now = System.nanoTime();
        Duration delay = call.ticket.generationLeft(generationDelay(fault), call.startNanos, now);
        String whole = request.stream() ? null
                : OllamaJson.write(doneLine(answer, answer.content(), now + delay.toNanos() - call.startNanos));
        Mono<Void> generating = GenerationTimer.after(http, delay).then(Mono.defer(faults::gate));
        return generating.then(Mono.fromRunnable(call::endGeneration)).then(Mono.defer(() -> whole == null
                ? call.answer(response, 200, NDJSON, streamLines(call, answer))
                : call.answer(response, 200, JSON, Mono.just(whole))));
    }

    /** What the model "generated" for one call. */
    private record Answer(String content, String doneReason, int promptEvalCount, int evalCount) {
    }

    private Answer answer(ChatRequest request, int numCtx, OllamaFault fault) {
        String content;
        if (fault == OllamaFault.SCHEMA_VIOLATION) {
            content = OllamaJson.write(violateSchema(LegalExtractor.extract(request.pageText())));
        } else {
            content = SimulatedExtraction.fromPageText(request.pageText());
        }
        String doneReason = "stop";
        if (fault == OllamaFault.TRUNCATED) {
            content = cut(content, Math.max(1, content.length() / 2));
            doneReason = "length";
        } else if (request.numPredict() > 0 && TokenEstimate.of(content) > request.numPredict()) {
            content = cut(content, request.numPredict() * TokenEstimate.CHARS_PER_TOKEN);
            doneReason = "length";
        }
        // Like Ollama, an over-long prompt is truncated silently: only prompt_eval_count shows it.
        int promptEvalCount = Math.min(Math.max(1, request.promptTokens()), numCtx);
        return new Answer(content, doneReason, promptEvalCount, Math.max(1, TokenEstimate.of(content)));
    }

    /** Rotates through a missing required field, a field of the wrong type and an additional property. */
    private ObjectNode violateSchema(ObjectNode extraction) {
        switch (Math.floorMod(schemaViolations.getAndIncrement(), 3)) {
            case 0 -> extraction.remove("summary");
            case 1 -> extraction.put("parties", "unknown");
            default -> extraction.put("confidence", 0.42);
        }
        return extraction;
    }

    private Duration generationDelay(OllamaFault fault) {
        Duration delay = options.latency();
        long jitterNanos = options.jitter().toNanos();
        if (jitterNanos > 0) {
            delay = delay.plusNanos(jitter.nextLong(jitterNanos + 1));
        }
        if (fault == OllamaFault.SLOW) {
            delay = delay.plus(faults.slowDelay());
        }
        return delay;
    }

    private Flux<String> streamLines(Call call, Answer answer) {
        List<String> lines = new ArrayList<>();
        String content = answer.content();
        for (int start = 0; start < content.length(); ) {
            int end = cutIndex(content, Math.min(content.length(), start + options.streamChunkChars()));
            if (end <= start) {
                end = Math.min(content.length(), start + 2);
            }
            ObjectNode line = line(content.substring(start, end));
            line.put("done", false);
            lines.add(OllamaJson.write(line) + "\n");
            start = end;
        }
        return Flux.fromIterable(lines)
                .concatWith(Mono.fromCallable(() -> OllamaJson.write(doneLine(answer, "",
                        System.nanoTime() - call.startNanos)) + "\n"));
    }

    /** The last line of an answer, {@code elapsedNanos} after the call arrived. */
    private ObjectNode doneLine(Answer answer, String content, long elapsedNanos) {
        long total = Math.max(1_000, elapsedNanos);
        long load = Math.max(1, total / 50);
        long promptEval = Math.max(1, (total - load) / 5);
        long eval = Math.max(1, total - load - promptEval);
        ObjectNode line = line(content);
        line.put("done", true);
        line.put("done_reason", answer.doneReason());
        line.put("total_duration", total);
        line.put("load_duration", load);
        line.put("prompt_eval_count", answer.promptEvalCount());
        line.put("prompt_eval_duration", promptEval);
        line.put("eval_count", answer.evalCount());
        line.put("eval_duration", eval);
        return line;
    }

    private static ObjectNode line(String content) {
        ObjectNode line = OllamaJson.object();
        line.put("model", OllamaSimulator.MODEL);
        line.put("created_at", Instant.now().toString());
        line.putObject("message").put("role", "assistant").put("content", content);
        return line;
    }

    private static String cut(String text, int length) {
        return text.substring(0, cutIndex(text, Math.min(length, text.length())));
    }

    /** Moves a cut off the middle of a surrogate pair. */
    private static int cutIndex(String text, int index) {
        return index > 0 && index < text.length() && Character.isLowSurrogate(text.charAt(index)) ? index - 1 : index;
    }
}
