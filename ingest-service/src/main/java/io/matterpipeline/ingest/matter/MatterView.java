package io.matterpipeline.ingest.matter;

import java.time.Instant;

/**
 * A Matter as recorded by the ingest service.
 *
 * @param name the caller's label; may be null
 * @param sealedAt null while the Matter is open
 * @param documentCount documents uploaded so far
 */
public record MatterView(String matterId, String name, MatterState state, Instant createdAt, Instant sealedAt,
        int documentCount) {

    static MatterView of(MatterManifest manifest) {
        return new MatterView(manifest.matterId(), manifest.name(), manifest.state(), manifest.createdAt(),
                manifest.sealedAt(), manifest.documents().size());
    }
}
