package io.matterpipeline.testkit.ollama;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A JDK HttpClient pointed at one simulator, with builders for worker-like chat requests. */
final class SimulatorClient {

    static final String SYSTEM_PROMPT = "You extract legal facts from one page. Answer with JSON only.";

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String baseUrl;

    SimulatorClient(OllamaSimulator simulator) {
        this.baseUrl = simulator.baseUrl();
    }

    /** A chat request as the worker sends it: [system, user], model name of a real model. */
    static ObjectNode chatRequest(String userMessage) {
        ObjectNode request = OllamaJson.object();
        request.put("model", "llama3.1:8b");
        request.putArray("messages")
                .add(OllamaJson.object().put("role", "system").put("content", SYSTEM_PROMPT))
                .add(OllamaJson.object().put("role", "user").put("content", userMessage));
        return request;
    }

    static ObjectNode nonStreaming(String userMessage) {
        return chatRequest(userMessage).put("stream", false);
    }

    static JsonNode json(String text) {
        return OllamaJson.MAPPER.readTree(text);
    }

    HttpResponse<String> chat(JsonNode request) {
        return send(chatHttpRequest(request, Duration.ofSeconds(20)));
    }

    CompletableFuture<HttpResponse<String>> chatAsync(JsonNode request, Duration timeout) {
        return http.sendAsync(chatHttpRequest(request, timeout), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20)).GET().build());
    }

    HttpResponse<String> head(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    }

    private HttpRequest chatHttpRequest(JsonNode request, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(baseUrl + "/api/chat"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(OllamaJson.write(request)))
                .build();
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
