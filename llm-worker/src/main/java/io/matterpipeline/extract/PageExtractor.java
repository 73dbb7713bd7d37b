package io.matterpipeline.extract;

import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads one page with the model until it has an answer that validates against the schema, or the page's budget is
 * spent.
 *
 * <ul>
 *   <li>A prompt estimated not to fit {@code num_ctx} (with room for the answer) fails at once with
 *       {@code prompt-too-long}; so does an answer whose reported prompt size shows the server cut the prompt.</li>
 *   <li>Busy, 5xx, timeouts, unreachable servers and answers cut off at {@code num_predict}
 *       ({@code output-truncated}) are retried with exponential backoff and jitter, up to {@code maxAttempts} calls
 *       that each start a fresh conversation.</li>
 *   <li>An answer that is not JSON or breaks the schema is shown back to the model with the validation errors, up to
 *       {@code repairAttempts} times per attempt; then the page fails with {@code invalid-output}.</li>
 * </ul>
 * Failures of the model path end as {@link PageOutcome.Failed} with a reason; any other error (a bug, an unexpected
 * exception) propagates, so the queue consumer redelivers the page.
 */
final class PageExtractor {

    /** The reason of a page whose answers stopped at {@code num_predict}, on every attempt. */
    static final String OUTPUT_TRUNCATED = "output-truncated";
    /** The reason of a page whose answers never validated. */
    static final String INVALID_OUTPUT = "invalid-output";

    private static final Logger log = LoggerFactory.getLogger(PageExtractor.class);
    private static final int MAX_DESCRIPTION = 1024;

    private final ModelClient model;
    /** The default schema, for callers that do not pass one. */
    private final ExtractionSchema schema;
    private final TokenEstimate tokens;
    private final int maxAttempts;
    private final int repairAttempts;
    private final int contextChars;
    private final RetryBackoffSpec retry;

    PageExtractor(ModelClient model, ExtractionSchema schema, WorkerProperties properties) {
        this.model = model;
        this.schema = schema;
        this.tokens = new TokenEstimate(properties.charsPerToken());
        this.maxAttempts = properties.maxAttempts();
        this.repairAttempts = properties.repairAttempts();
        this.contextChars = properties.contextChars();
        this.retry = Retry.backoff(properties.maxAttempts() - 1L, properties.retry().first())
                .maxBackoff(properties.retry().max())
                .jitter(properties.retry().jitter())
                .filter(PageExtractor::worthRetrying)
                .onRetryExhaustedThrow((spec, signal) -> signal.failure());
    }

    /** Reads {@code page} with the default schema; emits its outcome. */
    Mono<PageOutcome> extract(PageContent page) {
        return extract(page, schema);
    }

    /** Reads {@code page}, asking for answers that follow {@code schema}; emits its outcome. */
    Mono<PageOutcome> extract(PageContent page, ExtractionSchema schema) {
        return Mono.defer(() -> {
            Page run = new Page(page);
            ModelLimits limits = model.limits();
            List<ModelMessage> prompt = PagePrompt.of(page, schema, contextChars);
            int estimate = tokens.of(prompt);
            if (estimate > limits.promptBudget()) {
                return Mono.just(failed(ModelFailures.PROMPT_TOO_LONG, "Page " + run.label
                        + ": the prompt needs about " + estimate + " tokens, but num_ctx " + limits.contextTokens()
                        + " leaves " + limits.promptBudget() + " after reserving " + limits.outputTokens()
                        + " for the answer (page text " + page.text().length() + " characters). Raise num-ctx or "
                        + "split the page; it is never cut silently."));
            }
            return Mono.defer(() -> conversation(run, schema, prompt, repairAttempts, true))
                    .retryWhen(retry.doBeforeRetry(signal -> log.info("Page {}: attempt {} of {} failed ({}); "
                            + "retrying", run.label, signal.totalRetries() + 1, maxAttempts,
                            signal.failure().getMessage())))
                    .map(answer -> (PageOutcome) new PageOutcome.Extracted(run.result(answer)))
                    .onErrorResume(PipelineException.class, failure -> Mono.just(failed(failure.reason(),
                            "Page " + run.label + " failed after " + run.calls.get() + " model call(s): "
                                    + failure.getMessage())));
        });
    }

    /** One attempt: a fresh conversation, repaired up to {@code repairsLeft} times. */
    private Mono<ObjectNode> conversation(Page run, ExtractionSchema schema, List<ModelMessage> messages,
            int repairsLeft, boolean firstTurn) {
        int estimate = tokens.of(messages);
        return Mono.defer(() -> {
                    run.calls.incrementAndGet();
                    return model.chat(new ModelRequest(messages, schema.text(), run.label));
                })
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
                                + repairAttempts + " repair request(s): " + String.join("; ", verdict.errors())));
                    }
                    run.repairs.incrementAndGet();
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

    private static boolean worthRetrying(Throwable failure) {
        return failure instanceof PipelineException pipeline && pipeline.kind() == PipelineException.Kind.TRANSIENT;
    }

    private static PageOutcome failed(String reason, String description) {
        return new PageOutcome.Failed(reason, description.length() <= MAX_DESCRIPTION ? description
                : description.substring(0, MAX_DESCRIPTION));
    }

    /** What one page's calls added up to, across attempts and repairs. */
    private static final class Page {

        final PageContent content;
        final String label;
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger repairs = new AtomicInteger();
        final AtomicLong promptTokens = new AtomicLong();
        final AtomicLong outputTokens = new AtomicLong();
        final AtomicLong modelNanos = new AtomicLong();
        final AtomicReference<String> modelName = new AtomicReference<>("");

        Page(PageContent content) {
            this.content = content;
            this.label = content.matterId() + "/" + content.documentId() + "/" + content.pageNumber();
        }

        void record(ModelReply reply) {
            promptTokens.addAndGet(reply.promptTokens());
            outputTokens.addAndGet(reply.outputTokens());
            modelNanos.addAndGet(reply.elapsed().toNanos());
            modelName.set(reply.model());
        }

        PageExtraction result(ObjectNode answer) {
            List<String> warnings = new ArrayList<>();
            int repaired = repairs.get();
            if (repaired > 0) {
                warnings.add("The model's answer was invalid " + repaired + " time(s) and repaired");
            }
            warnings.addAll(QuoteProvenance.annotate(answer, content));
            // Carries the page's text statistics, so the aggregator reads one blob per page.
            return new PageExtraction(content, modelName.get(), answer, new PageExtraction.Usage(promptTokens.get(),
                    outputTokens.get(), Duration.ofNanos(modelNanos.get()).toMillis(), calls.get()),
                    Collections.unmodifiableList(warnings));
        }
    }
}
