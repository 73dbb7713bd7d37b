package io.matterpipeline.testkit.azurite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AzuriteTests {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void startsThePinnedBlobServiceOnLoopbackAndStopsIt() throws Exception {
        Azurite azurite = Azurite.start();
        int port = azurite.port();
        try {
            assertThat(azurite.connectionString())
                    .contains("AccountName=devstoreaccount1")
                    .contains("BlobEndpoint=http://127.0.0.1:" + port + "/devstoreaccount1;");
            HttpResponse<Void> response = list(port);
            // Unauthenticated: Azurite answers, and refuses.
            assertThat(response.statusCode()).isEqualTo(403);
            assertThat(response.headers().firstValue("server")).hasValue("Azurite-Blob/" + Azurite.VERSION);
        } finally {
            azurite.close();
        }
        assertThat(azurite.isRunning()).isFalse();
        assertThatThrownBy(() -> list(port)).isInstanceOf(ConnectException.class);
    }

    @Test
    void sharedInstanceIsOnePerJvm() {
        assertThat(Azurite.shared()).isSameAs(Azurite.shared());
        assertThat(Azurite.shared().isRunning()).isTrue();
    }

    @Test
    void missingNodeFailsNamingThePrerequisite() {
        assertThatThrownBy(() -> Azurite.requireNode("/nonexistent/bin/node"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs Node.js 18 or newer and npm on the PATH")
                .hasMessageContaining("node was not found");
    }

    @Test
    void readsNodeMajorVersions() {
        assertThat(Azurite.parseMajor("v20.20.2")).isEqualTo(20);
        assertThat(Azurite.parseMajor("18.0.0")).isEqualTo(18);
        assertThat(Azurite.parseMajor("garbage")).isEqualTo(-1);
    }

    private HttpResponse<Void> list(int port) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/devstoreaccount1?comp=list")).timeout(Duration.ofSeconds(5))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.discarding());
    }
}
