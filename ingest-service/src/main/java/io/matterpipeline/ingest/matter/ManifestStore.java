package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobContent;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.PoisonException;
import io.matterpipeline.error.TransientException;
import java.time.Duration;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and changes Matter manifests with ETag compare-and-swap. A change is a pure function of the current manifest;
 * when another writer got in between, the change is re-applied to the fresh manifest, a bounded number of times.
 */
final class ManifestStore {

    /** The reason a {@link PutCondition} failed, as every blob store adapter reports it. */
    private static final String PRECONDITION_FAILED = "precondition-failed";
    /** The reason when every compare-and-swap attempt lost: nothing was written. */
    static final String CONTENTION = "manifest-contention";

    private final BlobStore blobs;
    private final JsonMapper mapper;
    private final int attempts;
    private final Duration backoff;

    ManifestStore(BlobStore blobs, JsonMapper mapper, int attempts, Duration backoff) {
        this.blobs = blobs;
        this.mapper = mapper;
        this.attempts = attempts;
        this.backoff = backoff;
    }

    /** Writes a new manifest; fails with a conflict if one exists at its path. */
    Mono<MatterManifest> create(MatterManifest manifest) {
        return Mono.fromCallable(() -> mapper.writeValueAsBytes(manifest))
                .flatMap(bytes -> blobs.putBytes(BlobPaths.matterManifest(manifest.matterId()), bytes,
                        PutCondition.ifAbsent()))
                .thenReturn(manifest);
    }

    /** The manifest as the given tenant sees it: a Matter of another tenant is as missing as an unknown one. */
    Mono<MatterManifest> read(String matterId, String tenant) {
        return readVersioned(matterId, tenant).map(Versioned::manifest);
    }

    /**
     * Applies {@code change} to the current manifest and writes the result if the manifest did not change meanwhile,
     * retrying on contention. A change that returns its argument unchanged writes nothing. Exceptions thrown by
     * {@code change} (a sealed Matter, a full Matter) end the update unretried.
     */
    Mono<MatterManifest> update(String matterId, String tenant, UnaryOperator<MatterManifest> change) {
        return Mono.defer(() -> readVersioned(matterId, tenant).flatMap(current -> {
                    MatterManifest changed = change.apply(current.manifest());
                    if (changed.equals(current.manifest())) {
                        return Mono.just(changed);
                    }
                    return Mono.fromCallable(() -> mapper.writeValueAsBytes(changed))
                            .flatMap(bytes -> blobs.putBytes(BlobPaths.matterManifest(matterId), bytes,
                                    PutCondition.ifMatch(current.etag())))
                            .thenReturn(changed);
                }))
                .retryWhen(Retry.backoff(attempts - 1L, backoff)
                        .filter(ManifestStore::isLostRace)
                        .onRetryExhaustedThrow((spec, signal) -> new TransientException(CONTENTION,
                                "Matter " + matterId + " is being changed by too many requests at once; try again",
                                signal.failure())));
    }

    private Mono<Versioned> readVersioned(String matterId, String tenant) {
        return blobs.read(BlobPaths.matterManifest(matterId))
                .switchIfEmpty(Mono.error(() -> notFound(matterId)))
                .map(content -> decode(matterId, content))
                .filter(versioned -> tenant.equals(versioned.manifest().tenant()))
                .switchIfEmpty(Mono.error(() -> notFound(matterId)));
    }

    private Versioned decode(String matterId, BlobContent content) {
        try {
            return new Versioned(mapper.readValue(content.bytes(), MatterManifest.class), content.etag());
        } catch (JacksonException e) {
            throw new PoisonException("corrupt-manifest", "The manifest of Matter " + matterId + " is unreadable", e);
        }
    }

    static NotFoundException notFound(String matterId) {
        return new NotFoundException("matter-not-found", "No Matter with id " + matterId);
    }

    private static boolean isLostRace(Throwable error) {
        return error instanceof ConflictException conflict && PRECONDITION_FAILED.equals(conflict.reason());
    }

    private record Versioned(MatterManifest manifest, String etag) {
    }
}
