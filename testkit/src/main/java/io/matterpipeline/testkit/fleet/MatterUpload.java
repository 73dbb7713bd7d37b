package io.matterpipeline.testkit.fleet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import tools.jackson.databind.json.JsonMapper;

/**
 * Sends a folder to ingest-service the way a client does: a token from the admin token, a Matter, one multipart
 * upload per file, the seal.
 */
final class MatterUpload {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String BOUNDARY = "fleet-0f9a7c3e";

    private final HttpClient http;
    private final String baseUrl;
    private final String adminToken;

    MatterUpload(HttpClient http, String baseUrl, String adminToken) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.adminToken = adminToken;
    }

    /** Creates a Matter with every regular file of {@code folder} (sorted by name) and seals it; returns its id. */
    String submit(Path folder, String name) throws IOException, InterruptedException {
        String token = JSON.readTree(send(post("/v1/tokens", adminToken, "application/json",
                "{\"tenant\":\"fleet\",\"scopes\":[\"matters:read\",\"matters:write\"]}"
                        .getBytes(StandardCharsets.UTF_8)))).path("token").asString();
        String matterId = JSON.readTree(send(post("/v1/matters", token, "application/json",
                JSON.writeValueAsBytes(java.util.Map.of("name", name))))).path("matterId").asString();
        List<Path> files;
        try (Stream<Path> listed = Files.list(folder)) {
            files = listed.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            send(post("/v1/matters/" + matterId + "/documents", token, "multipart/form-data; boundary=" + BOUNDARY,
                    multipart(file)));
        }
        send(post("/v1/matters/" + matterId + "/seal", token, null, new byte[0]));
        return matterId;
    }

    private HttpRequest post(String path, String token, String contentType, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return request.build();
    }

    private String send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 != 2) {
            throw new IOException(request.method() + " " + request.uri().getPath() + " answered "
                    + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private static byte[] multipart(Path file) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String fileName = file.getFileName().toString().replace("\"", "");
        body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(Files.readAllBytes(file));
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }
}
