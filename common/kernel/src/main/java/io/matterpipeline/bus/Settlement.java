package io.matterpipeline.bus;

import io.matterpipeline.error.PipelineException;

/**
 * The one place where a handler's failure becomes a settlement. Poison and bad input are dead-lettered at once with
 * their reason; everything else (transient failures, conflicts, unknown exceptions) is retried by abandoning the
 * message after a backoff, until the delivery budget is spent.
 */
public record Settlement(Action action, String reason, String description) {

    /** What to do with a delivery whose handler failed. */
    public enum Action {
        /** Abandon after a backoff: the broker redelivers with a higher delivery count. */
        RETRY,
        /** Dead-letter with the reason and description. */
        DEAD_LETTER
    }

    /** Classifies a handler failure. */
    public static Settlement of(Throwable failure) {
        if (failure instanceof PipelineException pipelineFailure) {
            return switch (pipelineFailure.kind()) {
                case BAD_INPUT, POISON, NOT_FOUND, TOO_LARGE ->
                        new Settlement(Action.DEAD_LETTER, pipelineFailure.reason(), describe(failure));
                case TRANSIENT, CONFLICT -> new Settlement(Action.RETRY, pipelineFailure.reason(), describe(failure));
            };
        }
        return new Settlement(Action.RETRY, "unexpected-error", describe(failure));
    }

    /** The settlement once retrying is no longer allowed. */
    public Settlement giveUp() {
        return action == Action.DEAD_LETTER ? this : new Settlement(Action.DEAD_LETTER, reason, description);
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        String text = failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        // Service Bus caps DeadLetterErrorDescription at 4096 characters.
        return text.length() > 1024 ? text.substring(0, 1024) : text;
    }
}
