package io.matterpipeline.extract.ollama;

import io.matterpipeline.model.ModelClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import reactor.core.publisher.Mono;

/** Factories for the Ollama adapter of {@link ModelClient}. */
public final class OllamaModelClients {

    private OllamaModelClients() {
    }

    /** A client for one Ollama server ({@code POST /api/chat}) over Reactor Netty; it never retries by itself. */
    public static ModelClient create(OllamaClientOptions options) {
        return new OllamaModelClient(options);
    }

    /**
     * Whether an Ollama-compatible server answers {@code GET /api/version} at {@code baseUrl} within {@code timeout}.
     * Emits false (never an error) when it does not: refused, timed out, or not an HTTP 2xx.
     */
    public static Mono<Boolean> answers(String baseUrl, Duration timeout) {
        return versionCall(baseUrl, timeout).onErrorReturn(false);
    }

    /** {@code GET {baseUrl}/api/version}: true on a 2xx answer, false on another status, an error if nothing answers. */
    static Mono<Boolean> versionCall(String baseUrl, Duration timeout) {
        return Mono.defer(() -> {
            String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
            HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/version")).timeout(timeout).GET().build();
            // sendAsync does not block the subscriber's thread; the JDK client completes on its own executor.
            return Mono.fromFuture(() -> client.sendAsync(request, HttpResponse.BodyHandlers.discarding()))
                    .map(response -> response.statusCode() / 100 == 2);
        });
    }
}
