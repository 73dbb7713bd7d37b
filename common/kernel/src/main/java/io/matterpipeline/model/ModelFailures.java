package io.matterpipeline.model;

/** The stable reasons of model call failures (see {@link ModelClient}); they end up in PageFailed and dead letters. */
public final class ModelFailures {

    /** The server is busy (HTTP 503 or 429); try again later or elsewhere. */
    public static final String BUSY = "model-busy";
    /** The server failed (HTTP 5xx other than 503). */
    public static final String SERVER_ERROR = "model-server-error";
    /** No answer within the configured timeout. */
    public static final String TIMEOUT = "model-timeout";
    /** The server could not be reached (connection refused, unknown host, connection reset). */
    public static final String UNREACHABLE = "model-unreachable";
    /** The prompt does not fit the model's context window. */
    public static final String PROMPT_TOO_LONG = "prompt-too-long";
    /** The server refused the request as invalid (HTTP 4xx). */
    public static final String REJECTED = "model-rejected-request";
    /** The server does not have the configured model (HTTP 404): pull it or fix the configuration. */
    public static final String MODEL_NOT_FOUND = "model-not-found";

    private ModelFailures() {
    }
}
