package io.matterpipeline.ingest.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * Serves the OpenAPI 3 document of the API ({@code docs/openapi.yaml} in the repository, packaged into the jar), read
 * once at startup. {@code IngestApiTests} checks that it describes exactly the routes of {@link IngestApi}.
 */
final class OpenApiDocument {

    /** Where the build puts {@code docs/openapi.yaml}. */
    static final String RESOURCE = "/io/matterpipeline/ingest/api/openapi.yaml";
    static final MediaType YAML = MediaType.parseMediaType("application/yaml");

    private final byte[] document;

    OpenApiDocument() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The OpenAPI document " + RESOURCE + " is not on the classpath");
            }
            this.document = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Mono<ServerResponse> serve(ServerRequest request) {
        return ServerResponse.ok()
                .contentType(YAML)
                .cacheControl(CacheControl.noCache())
                .bodyValue(document);
    }
}
