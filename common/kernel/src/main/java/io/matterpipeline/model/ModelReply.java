package io.matterpipeline.model;

import java.time.Duration;
import java.util.Objects;

/**
 * The answer to one chat call.
 *
 * @param content the generated text (the JSON document when a response schema was given)
 * @param doneReason why generation stopped
 * @param promptTokens prompt tokens the server evaluated ({@code prompt_eval_count}); 0 when not reported. Far fewer
 *     than were sent, or exactly the context size, means the server cut the prompt
 * @param outputTokens tokens generated ({@code eval_count}); 0 when not reported
 * @param model the model that answered, as the server names it
 * @param elapsed wall time of the call, request sent to answer received
 * @param endpoint which server answered (its base URL), for accounting across replicas
 */
public record ModelReply(String content, DoneReason doneReason, long promptTokens, long outputTokens, String model,
        Duration elapsed, String endpoint) {

    /** Why the model stopped generating. */
    public enum DoneReason {
        /** The answer is complete. */
        STOP,
        /** The answer hit the output token limit: it is cut off and must not be used. */
        LENGTH,
        /** Anything else the server reported (content filter, tool call, unknown). */
        OTHER
    }

    public ModelReply {
        content = content == null ? "" : content;
        Objects.requireNonNull(doneReason, "doneReason");
        model = model == null ? "" : model;
        elapsed = elapsed == null ? Duration.ZERO : elapsed;
        endpoint = endpoint == null ? "" : endpoint;
    }
}
