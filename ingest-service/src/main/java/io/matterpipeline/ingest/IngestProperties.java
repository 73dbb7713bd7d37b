package io.matterpipeline.ingest;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the ingest service, prefix {@code matter-pipeline.ingest}. Every default is safe for local use.
 *
 * @param maxDocumentSize largest accepted document; an upload past it is cut off with 413 and nothing of it is kept
 * @param maxDocumentsPerMatter most documents one Matter may hold; one more is refused with 409
 * @param maxNameLength longest Matter name, in characters
 * @param defaultTenant tenant that owns the Matters created through this service until scoped tokens name one
 * @param manifestUpdateAttempts attempts of a Matter manifest compare-and-swap under contention before the request
 *     fails with 503
 * @param manifestUpdateBackoff first pause between manifest compare-and-swap attempts (doubles, with jitter)
 * @param statusReadConcurrency progress blobs read at once for one status request
 */
@ConfigurationProperties("matter-pipeline.ingest")
public record IngestProperties(
        @DefaultValue("512MB") DataSize maxDocumentSize,
        @DefaultValue("1000") int maxDocumentsPerMatter,
        @DefaultValue("200") int maxNameLength,
        @DefaultValue("default") String defaultTenant,
        @DefaultValue("16") int manifestUpdateAttempts,
        @DefaultValue("5ms") Duration manifestUpdateBackoff,
        @DefaultValue("16") int statusReadConcurrency) {

    public IngestProperties {
        if (maxDocumentSize == null || maxDocumentSize.toBytes() <= 0) {
            throw new IllegalArgumentException("matter-pipeline.ingest.max-document-size must be positive");
        }
        if (maxDocumentsPerMatter <= 0 || maxNameLength <= 0 || manifestUpdateAttempts <= 0
                || statusReadConcurrency <= 0) {
            throw new IllegalArgumentException("matter-pipeline.ingest limits must be positive");
        }
        if (defaultTenant == null || defaultTenant.isBlank()) {
            throw new IllegalArgumentException("matter-pipeline.ingest.default-tenant must not be blank");
        }
        if (manifestUpdateBackoff == null || manifestUpdateBackoff.isNegative()) {
            throw new IllegalArgumentException("matter-pipeline.ingest.manifest-update-backoff must not be negative");
        }
    }

    /** The defaults, for code that drives the service without Spring binding (tests, tools). */
    public static IngestProperties defaults() {
        return new IngestProperties(DataSize.ofMegabytes(512), 1000, 200, "default", 16, Duration.ofMillis(5), 16);
    }
}
