package io.matterpipeline.extract.modelhttp;

import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.model.ModelFailures;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;

/**
 * Classifies a failed model call once, into the reasons {@link io.matterpipeline.model.ModelClient} documents. Shared
 * by the Ollama and the OpenAI-compatible adapters: both go through {@link ModelHttpClient} and fail with the same
 * exception types (HTTP statuses are classified where they are read, by {@link #fromStatus}).
 */
public final class CallFailures {

    private CallFailures() {
    }

    /**
     * The pipeline exception for {@code error}.
     *
     * @param baseUrl the server called, named in the message
     * @param timeout the call's timeout, named in a timeout's message
     * @param label what the call was for
     */
    public static PipelineException translate(Throwable error, String baseUrl, Duration timeout, String label) {
        if (error instanceof PipelineException pipeline) {
            return pipeline;
        }
        String where = " (" + baseUrl + ", " + label + ")";
        // One pass per kind, most specific first: Netty's connect timeout is a ConnectException.
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpConnectTimeoutException || cause instanceof ConnectException
                    || cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
                return new TransientException(ModelFailures.UNREACHABLE,
                        "The model server cannot be reached: " + cause + where, error);
            }
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof HttpTimeoutException || cause instanceof io.netty.handler.timeout.TimeoutException
                    || cause instanceof java.util.concurrent.TimeoutException) {
                return new TransientException(ModelFailures.TIMEOUT, "No answer within " + timeout + where, error);
            }
            if (cause instanceof InterruptedException) {
                return new TransientException(ModelFailures.TIMEOUT, "The model call was interrupted" + where, error);
            }
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException) {
                return new TransientException(ModelFailures.UNREACHABLE,
                        "The connection to the model server failed: " + cause + where, error);
            }
        }
        // An answer that could not be read, or anything unforeseen: another attempt may well succeed.
        return new TransientException(ModelFailures.SERVER_ERROR, "The model call failed: " + error + where, error);
    }

    /** An HTTP error status as a pipeline exception; 4xx bodies that speak of the context become prompt-too-long. */
    public static PipelineException fromStatus(int status, String message, Throwable error) {
        if (status == 503 || status == 429) {
            return new TransientException(ModelFailures.BUSY, "HTTP " + status + ": " + message, error);
        }
        if (status == 408) {
            return new TransientException(ModelFailures.TIMEOUT, "HTTP 408: " + message, error);
        }
        if (status >= 500) {
            return new TransientException(ModelFailures.SERVER_ERROR, "HTTP " + status + ": " + message, error);
        }
        if (status == 404) {
            return new NotFoundException(ModelFailures.MODEL_NOT_FOUND, "HTTP 404: " + message, error);
        }
        String lower = message.toLowerCase(Locale.ROOT);
        // Ollama: "the input length exceeds the context length"; vLLM: "This model's maximum context length is ...".
        if (lower.contains("context length") || lower.contains("context window") || lower.contains("too long")) {
            return new BadInputException(ModelFailures.PROMPT_TOO_LONG, "HTTP " + status + ": " + message, error);
        }
        return new BadInputException(ModelFailures.REJECTED, "HTTP " + status + ": " + message, error);
    }
}
