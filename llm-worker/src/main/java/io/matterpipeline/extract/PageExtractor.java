package io.matterpipeline.extract;

import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.extract.route.NoEndpointException;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelFailures;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.model.ModelMessage;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads one page with the model until it has an answer that validates against the schema, or the page's retry budget
 * ({@link WorkerProperties.Retry}) is spent: at most {@code attempts × (1 + repairs)} model calls.
 *
 * <ul>
 *   <li>A prompt estimated not to fit {@code num_ctx} (with room for the answer) fails at once with
 *       {@code prompt-too-long}; so does an answer whose reported prompt size shows the server cut the prompt.</li>
 *   <li>Busy, 5xx, timeouts, unreachable servers and answers cut off at {@code num_predict}
 *       ({@code output-truncated}) cost an attempt; the next attempt, a fresh conversation, starts after an
 *       exponential backoff with jitter and is routed afresh, so it can land on another replica.</li>
 *   <li>An answer that is not JSON or breaks the schema is shown back to the model with the validation errors, up to
 *       {@code repairs} times per attempt; then the page fails with {@code invalid-output}.</li>
 *   <li>A call the router refused without sending it ({@link NoEndpointException}: every endpoint out, no slot free)
 *       costs nothing; the page waits with the same backoff, for up to {@code outage-wait} in a row, and then fails
 *       with that refusal as it is: not the page's verdict but this worker's, for the queue consumer to give the page
 *       back to the queue, where another worker may have an endpoint that takes calls.</li>
 * </ul>
 * This is the one place where a failed model call becomes the page's verdict: the page either yields its extraction or
 * fails with a {@link PageFailedException} naming the reason and the calls it cost. Any other error (a refusal past
 * the outage wait, a bug) propagates as it is, for the queue consumer to settle.
 */
final class PageExtractor {

    /** The reason of a page whose answers stopped at {@code num_predict}, on every attempt. */
    static final String OUTPUT_TRUNCATED = "output-truncated";
    /** The reason of a page whose answers never validated. */
    static final String INVALID_OUTPUT = "invalid-output";

    private static final Logger log = LoggerFactory.getLogger(PageExtractor.class);

    private final ModelClient model;
    /** The default schema, for callers that do not pass one. */
    private final ExtractionSchema schema;
    private final TokenEstimate tokens;
    private final WorkerProperties.Retry budget;
    private final int contextChars;

    PageExtractor(ModelClient model, ExtractionSchema schema, WorkerProperties properties) {
        this.model = model;
        this.schema = schema;
        this.tokens = new TokenEstimate(properties.charsPerToken());
        this.budget = properties.retry();
        this.contextChars = properties.contextChars();
    }

    /** Reads {@code page} with the default schema. */
    Mono<PageExtraction> extract(PageContent page) {
        return extract(page, schema);
    }

    /**
     * Reads {@code page}, asking for answers that follow {@code schema}; emits the extraction, or fails with a
     * {@link PageFailedException} once the page cannot be read within its budget.
     */
    Mono<PageExtraction> extract(PageContent page, ExtractionSchema schema) {
        return Mono.defer(() -> {
            Page run = new Page(page);
            ModelLimits limits = model.limits();
            List<ModelMessage> prompt = PagePrompt.of(page, schema, contextChars);
            int estimate = tokens.of(prompt);
            if (estimate > limits.promptBudget()) {
                return Mono.error(run.failed(new BadInputException(ModelFailures.PROMPT_TOO_LONG, "the prompt needs "
                        + "about " + estimate + " tokens, but num_ctx " + limits.contextTokens() + " leaves "
                        + limits.promptBudget() + " after reserving " + limits.outputTokens() + " for the answer (page "
                        + "text " + page.text().length() + " characters). Raise num-ctx or split the page; it is never "
                        + "cut silently.")));
            }
            return Mono.defer(() -> conversation(run, schema, prompt, budget.repairs(), true))
                    .retryWhen(Retry.from(failures -> failures.concatMap(signal -> nextTry(run, signal))))
                    .map(run::result)
                    .onErrorMap(PageExtractor::isVerdict, failure -> run.failed((PipelineException) failure));
        });
    }

    /** Whether a failure ends the page: any pipeline failure but a refusal, which is the worker's, not the page's. */
    private static boolean isVerdict(Throwable failure) {
        return failure instanceof PipelineException && !(failure instanceof NoEndpointException);
    }

    /**
     * After a failed attempt: a delay before the next one while the budget allows it, else the failure itself. A
     * refused call spends nothing but the page's patience with an outage.
     */
    private Mono<Long> nextTry(Page run, Retry.RetrySignal signal) {
        Throwable failure = signal.failure();
        if (!(failure instanceof PipelineException pipeline) || pipeline.kind() != PipelineException.Kind.TRANSIENT) {
            return Mono.error(failure);
        }
        // The timers' clock (virtual in tests), the same one the backoff delays run on.
        long now = Schedulers.parallel().now(TimeUnit.NANOSECONDS);
        if (failure instanceof NoEndpointException) {
            if (!run.refused) {
                run.refused = true;
                run.refusedSince = now;
            } else if (now - run.refusedSince > budget.outageWait().toNanos()) {
                log.info("Page {}: no model endpoint took it for {} (retry.outage-wait); giving it back to the queue",
                        run.label, budget.outageWait());
                return Mono.error(failure);
            }
        } else {
            run.refused = false;
            if (run.attempts >= budget.attempts()) {
                return Mono.error(failure);
            }
        }
        Duration delay = backoff(run.failuresInARow++);
        log.info("Page {}: {} ({} of {} attempts spent); next try in {}", run.label, failure.getMessage(),
                run.attempts, budget.attempts(), delay);
        return Mono.delay(delay);
    }

    /** Exponential from {@code first} up to {@code max}, less up to {@code jitter} of it at random. */
    private Duration backoff(int failuresBefore) {
        long first = budget.first().toNanos();
        long delay = first << Math.min(failuresBefore, 30);
        delay = delay < first ? Long.MAX_VALUE : Math.min(delay, budget.max().toNanos());
        long jitter = (long) (delay * budget.jitter() * ThreadLocalRandom.current().nextDouble());
        return Duration.ofNanos(delay - jitter);
    }

    /** One attempt: a fresh conversation, repaired up to {@code repairsLeft} times. */
    private Mono<ObjectNode> conversation(Page run, ExtractionSchema schema, List<ModelMessage> messages,
            int repairsLeft, boolean firstTurn) {
        int estimate = tokens.of(messages);
        return Mono.defer(() -> model.chat(new ModelRequest(messages, schema.text(), run.label)))
                .doOnError(failure -> run.called(firstTurn, !(failure instanceof NoEndpointException)))
                .doOnNext(reply -> run.called(firstTurn, true))
                .flatMap(reply -> {
                    run.record(reply);
                    checkPromptNotCut(run, reply, estimate, firstTurn ? tokens.of(messages.get(messages.size() - 1)
                            .content()) : 0);
                    if (reply.doneReason() == ModelReply.DoneReason.LENGTH) {
                        return Mono.error(new TransientException(OUTPUT_TRUNCATED, "The answer stopped at num_predict "
                                + model.limits().outputTokens() + " tokens (done_reason length); its JSON is cut off"));
                    }
                    ExtractionSchema.Verdict verdict = schema.check(reply.content());
                    if (verdict.valid()) {
                        return Mono.just((ObjectNode) verdict.tree());
                    }
                    if (repairsLeft == 0) {
                        return Mono.error(new BadInputException(INVALID_OUTPUT, "The answer is still invalid after "
                                + budget.repairs() + " repair request(s): " + String.join("; ", verdict.errors())));
                    }
                    run.repairs++;
                    List<ModelMessage> withAnswer = PagePrompt.repair(messages, reply.content(), verdict.errors(), true);
                    boolean fits = tokens.of(withAnswer) <= model.limits().promptBudget();
                    List<ModelMessage> next = fits ? withAnswer
                            : PagePrompt.repair(messages, reply.content(), verdict.errors(), false);
                    log.debug("Page {}: answer invalid ({}); asking for a repair", run.label, verdict.errors());
                    return conversation(run, schema, next, repairsLeft - 1, false);
                });
    }

    /**
     * Servers cut an over-long prompt silently (Ollama keeps the last {@code num_ctx} tokens); the only trace is the
     * prompt size they report. Exactly the context size, or far fewer tokens than the page alone has, means a cut.
     * The second test applies to the first turn only: later turns share a cached prefix, which is not re-counted.
     */
    private void checkPromptNotCut(Page run, ModelReply reply, int estimate, int pageEstimate) {
        int context = model.limits().contextTokens();
        boolean full = reply.promptTokens() >= context;
        boolean tooFew = pageEstimate > 0 && reply.promptTokens() > 0 && reply.promptTokens() < pageEstimate / 4;
        if (full || tooFew) {
            throw new BadInputException(ModelFailures.PROMPT_TOO_LONG, "The server evaluated " + reply.promptTokens()
                    + " prompt tokens of about " + estimate + " sent (num_ctx " + context + "): it cut the prompt");
        }
    }

    /** What one page's calls added up to, across attempts and repairs; used by one retry chain at a time. */
    private final class Page {

        final PageContent content;
        final String label;
        int calls;
        int attempts;
        int repairs;
        int failuresInARow;
        boolean refused;
        long refusedSince;
        long promptTokens;
        long outputTokens;
        long modelNanos;
        String modelName = "";

        Page(PageContent content) {
            this.content = content;
            this.label = content.matterId() + "/" + content.documentId() + "/" + content.pageNumber();
        }

        /** One call ended; {@code reached} says whether a model endpoint took it. */
        void called(boolean firstTurn, boolean reached) {
            if (reached) {
                calls++;
                if (firstTurn) {
                    attempts++;
                }
            }
        }

        void record(ModelReply reply) {
            failuresInARow = 0;
            promptTokens += reply.promptTokens();
            outputTokens += reply.outputTokens();
            modelNanos += reply.elapsed().toNanos();
            modelName = reply.model();
        }

        PageExtraction result(ObjectNode answer) {
            List<String> warnings = new ArrayList<>();
            if (repairs > 0) {
                warnings.add("The model's answer was invalid " + repairs + " time(s) and repaired");
            }
            warnings.addAll(QuoteProvenance.annotate(answer, content));
            // Carries the page's text statistics, so the aggregator reads one blob per page.
            return new PageExtraction(content, modelName, answer, new PageExtraction.Usage(promptTokens,
                    outputTokens, Duration.ofNanos(modelNanos).toMillis(), calls),
                    Collections.unmodifiableList(warnings));
        }

        PageFailedException failed(PipelineException failure) {
            log.warn("Page {} failed after {} model call(s) (budget {}): {} - {}", label, calls,
                    budget.maxModelCalls(), failure.reason(), failure.getMessage());
            return new PageFailedException(failure, "Page " + label + " failed after " + calls + " model call(s): "
                    + failure.getMessage());
        }
    }
}
