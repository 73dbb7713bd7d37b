package io.matterpipeline.extract.openai;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How an OpenAI-compatible model client (vLLM, llama.cpp server, LM Studio, ...) talks to one server.
 *
 * @param baseUrl the server; a URL without a path gets {@code /v1} appended (vLLM's and llama.cpp's mount point),
 *     a URL with a path is used as given
 * @param apiKey the bearer token; servers without authentication accept any, so null sends a placeholder
 * @param model the model name as the server serves it ({@code --served-model-name})
 * @param contextTokens the server's context window ({@code --max-model-len}); not sent (OpenAI has no such request
 *     option) but used to keep every prompt within it
 * @param maxTokens {@code max_tokens}: the most tokens an answer may have
 * @param temperature {@code temperature}; 0 for reproducible extraction
 * @param seed {@code seed}; null leaves it to the server
 * @param timeout connect and read timeout of one call
 * @param maxConcurrentCalls calls this client has open at once, at most
 * @param logRequests log request and response bodies (debugging only: they contain document text)
 */
public record OpenAiClientOptions(String baseUrl, String apiKey, String model, int contextTokens, int maxTokens,
        double temperature, Integer seed, Duration timeout, int maxConcurrentCalls, boolean logRequests) {

    public OpenAiClientOptions {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(timeout, "timeout");
        baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
            throw new IllegalArgumentException("baseUrl must be an http(s) URL, was " + baseUrl);
        }
        String path = URI.create(baseUrl).getPath();
        if (path == null || path.isEmpty()) {
            baseUrl = baseUrl + "/v1";
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
