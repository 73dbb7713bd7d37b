package io.matterpipeline.extract.ollama;

import java.time.Duration;
import java.util.Objects;

/**
 * How an Ollama model client talks to one server. Runner options ({@code num_ctx}) must be identical for every client
 * sharing a server, or Ollama reloads the model on each switch.
 *
 * @param baseUrl the server, e.g. {@code http://localhost:11434}
 * @param model the model name, e.g. {@code llama3.1:8b}
 * @param numCtx {@code options.num_ctx}: context window in tokens, pinned on every request
 * @param numPredict {@code options.num_predict}: the most tokens an answer may have
 * @param temperature {@code options.temperature}; 0 for reproducible extraction
 * @param seed {@code options.seed}; null leaves it to the server
 * @param timeout connect and read timeout of one call
 * @param maxConcurrentCalls calls this client has open at once, at most; further calls wait (in our process, where
 *     a caller can see and bound the wait, rather than invisibly inside Ollama)
 * @param logRequests log request and response bodies (debugging only: they contain document text)
 */
public record OllamaClientOptions(String baseUrl, String model, int numCtx, int numPredict, double temperature,
        Integer seed, Duration timeout, int maxConcurrentCalls, boolean logRequests) {

    public OllamaClientOptions {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(timeout, "timeout");
        baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
            throw new IllegalArgumentException("baseUrl must be an http(s) URL, was " + baseUrl);
        }
        if (model.isBlank()) {
            throw new IllegalArgumentException("model must not be blank");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        if (maxConcurrentCalls < 1) {
            throw new IllegalArgumentException("maxConcurrentCalls must be >= 1");
        }
    }
}
