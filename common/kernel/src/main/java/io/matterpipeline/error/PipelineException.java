package io.matterpipeline.error;

/**
 * Root of the few failure kinds the pipeline distinguishes. Every failure is classified once, by its kind: the HTTP
 * API maps a kind to a problem+json status, a queue consumer maps it to a settlement (retry later, dead-letter, or
 * complete as a duplicate).
 */
public abstract class PipelineException extends RuntimeException {

    /** What the failure means for the caller; drives the HTTP status and the bus settlement. */
    public enum Kind {
        /** The input can never succeed as given: 400 at the API, dead-letter on a queue. */
        BAD_INPUT,
        /** The addressed thing does not exist (or is not visible to the caller): 404. */
        NOT_FOUND,
        /** The request conflicts with the current state (sealed Matter, ETag mismatch): 409 / retry. */
        CONFLICT,
        /** A dependency failed in a way that may pass: 503 at the API, abandon with backoff on a queue. */
        TRANSIENT,
        /** A message that can never be processed: dead-letter with the reason. */
        POISON,
        /** The request body is larger than allowed: 413. */
        TOO_LARGE
    }

    private final String reason;

    protected PipelineException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** The failure kind. */
    public abstract Kind kind();

    /**
     * A short, stable, machine-readable reason such as {@code encrypted-pdf} or {@code matter-not-found}; it becomes
     * the problem type suffix at the API and the DeadLetterReason on a queue.
     */
    public String reason() {
        return reason;
    }
}
