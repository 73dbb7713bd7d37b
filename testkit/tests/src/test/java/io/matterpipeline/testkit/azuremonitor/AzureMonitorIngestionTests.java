package io.matterpipeline.testkit.azuremonitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class AzureMonitorIngestionTests {

    @Test
    void acceptsGzippedNewlineDelimitedEnvelopesAndCountsThem() throws Exception {
        try (AzureMonitorIngestion ingestion = AzureMonitorIngestion.start()) {
            String body = "{\"name\":\"Request\",\"tags\":{\"ai.cloud.role\":\"llm-worker\"},"
                    + "\"data\":{\"baseType\":\"RequestData\"}}\n"
                    + "{\"name\":\"Metric\",\"data\":{\"baseType\":\"MetricData\"}}\n";
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + ingestion.port() + "/v2.1/track"))
                    .header("Content-Encoding", "gzip")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(gzip(body))).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"itemsReceived\":2,\"itemsAccepted\":2,\"errors\":[]}");
            assertThat(ingestion.envelopes()).hasSize(2);
            assertThat(ingestion.envelopes().get(0).path("tags").path("ai.cloud.role").asString())
                    .isEqualTo("llm-worker");
            assertThat(ingestion.connectionString())
                    .contains("IngestionEndpoint=http://127.0.0.1:" + ingestion.port() + "/");
        }
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }
}
