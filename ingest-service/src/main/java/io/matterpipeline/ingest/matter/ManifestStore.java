package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.VersionedJson;
import io.matterpipeline.error.NotFoundException;
import java.time.Duration;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and changes Matter manifests with ETag compare-and-swap ({@link VersionedJson}). A change is a pure function of
 * the current manifest; when another writer got in between, the change is re-applied to the fresh manifest, a bounded
 * number of times, then the request fails with {@value #CONTENTION} (try again).
 */
final class ManifestStore {

    /** The reason when every compare-and-swap attempt lost: nothing was written. */
    static final String CONTENTION = "manifest-contention";

    private final VersionedJson<MatterManifest> manifests;

    ManifestStore(BlobStore blobs, JsonMapper mapper, int attempts, Duration backoff) {
        this.manifests = VersionedJson.of(blobs, mapper, MatterManifest.class, "manifest",
                new VersionedJson.RetryPolicy(attempts - 1, backoff, Duration.ofSeconds(1), 0.5));
    }

    /** Writes a new manifest; fails with a conflict if one exists at its path. */
    Mono<MatterManifest> create(MatterManifest manifest) {
        return manifests.create(BlobPaths.matterManifest(manifest.matterId()), manifest);
    }

    /** The manifest as the given tenant sees it: a Matter of another tenant is as missing as an unknown one. */
    Mono<MatterManifest> read(String matterId, String tenant) {
        return manifests.read(BlobPaths.matterManifest(matterId))
                .map(VersionedJson.Versioned::value)
                .filter(manifest -> tenant.equals(manifest.tenant()))
                .switchIfEmpty(Mono.error(() -> notFound(matterId)));
    }

    /**
     * Applies {@code change} to the current manifest and writes the result if the manifest did not change meanwhile,
     * retrying on contention. A change that returns its argument unchanged writes nothing. Exceptions thrown by
     * {@code change} (a sealed Matter, a full Matter) end the update unretried.
     */
    Mono<MatterManifest> update(String matterId, String tenant, UnaryOperator<MatterManifest> change) {
        return manifests.update(BlobPaths.matterManifest(matterId),
                () -> {
                    throw notFound(matterId);
                },
                manifest -> {
                    if (!tenant.equals(manifest.tenant())) {
                        throw notFound(matterId);
                    }
                    return change.apply(manifest);
                });
    }

    static NotFoundException notFound(String matterId) {
        return new NotFoundException("matter-not-found", "No Matter with id " + matterId);
    }
}
