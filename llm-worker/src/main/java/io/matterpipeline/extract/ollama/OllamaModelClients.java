package io.matterpipeline.extract.ollama;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.model.ModelClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

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
        return call(baseUrl, "/api/version", null, timeout).map(response -> response.statusCode() / 100 == 2);
    }

    /**
     * Whether the Ollama server at {@code baseUrl} has {@code model} ({@code POST /api/show}, which resolves a name
     * without a tag to {@code :latest} as a chat would): true on a 2xx answer, false on Ollama's 404 for a model it
     * lacks (a JSON {@code error}: a chat would be answered 404 too, the model must be pulled first). Fails on any
     * other answer, such as a server without {@code /api/show} (a plain-text 404), or when nothing answers.
     */
    public static Mono<Boolean> hasModel(String baseUrl, String model, Duration timeout) {
        String body = MessageCodec.mapper().createObjectNode().put("model", model).toString();
        return call(baseUrl, "/api/show", body, timeout).handle((response, sink) -> {
            if (response.statusCode() / 100 == 2) {
                sink.next(true);
            } else if (response.statusCode() == 404 && isJsonError(response.body())) {
                sink.next(false);
            } else {
                sink.error(new IllegalStateException("POST " + baseUrl + "/api/show was answered HTTP "
                        + response.statusCode()));
            }
        });
    }

    /** The names of the models the Ollama server at {@code baseUrl} has ({@code GET /api/tags}), in its order. */
    public static Mono<List<String>> modelNames(String baseUrl, Duration timeout) {
        return call(baseUrl, "/api/tags", null, timeout).handle((response, sink) -> {
            if (response.statusCode() / 100 != 2) {
                sink.error(new IllegalStateException("GET " + baseUrl + "/api/tags was answered HTTP "
                        + response.statusCode()));
                return;
            }
            JsonNode models = MessageCodec.mapper().readTree(response.body()).path("models");
            sink.next(models.valueStream().map(entry -> entry.path("name").asString(""))
                    .filter(name -> !name.isBlank()).toList());
        });
    }

    private static boolean isJsonError(String body) {
        try {
            return MessageCodec.mapper().readTree(body).path("error").isString();
        } catch (RuntimeException notJson) {
            return false;
        }
    }

    /** A GET (no body) or JSON POST to the server; the answer whatever its status, an error if nothing answers. */
    private static Mono<HttpResponse<String>> call(String baseUrl, String path, String jsonBody, Duration timeout) {
        return Mono.defer(() -> {
            String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
            HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
            if (jsonBody != null) {
                request.header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(jsonBody));
            }
            // sendAsync does not block the subscriber's thread; the JDK client completes on its own executor.
            return Mono.fromFuture(() -> client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()));
        });
    }
}
