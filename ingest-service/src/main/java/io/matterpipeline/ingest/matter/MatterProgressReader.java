package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.progress.MatterStatus;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the aggregator's progress blobs for ingest's views and decisions, and combines them with the manifest into
 * the Matter's status. Ingest never writes progress: a cancel goes to ingest's own marker ({@link Cancellation}).
 */
final class MatterProgressReader {

    private static final Logger log = LoggerFactory.getLogger(MatterProgressReader.class);

    private final BlobStore blobs;
    private final JsonMapper mapper;

    MatterProgressReader(BlobStore blobs, JsonMapper mapper) {
        this.blobs = blobs;
        this.mapper = mapper;
    }

    /** The Matter's progress, empty before the aggregator wrote any. */
    Mono<Optional<MatterProgress>> matter(String matterId) {
        return read(BlobPaths.matterProgress(matterId), MatterProgress.class);
    }

    /** A document's progress, empty before the aggregator wrote any. */
    Mono<Optional<DocumentProgress>> document(String matterId, String documentId) {
        return read(BlobPaths.documentProgress(matterId, documentId), DocumentProgress.class);
    }

    /** The Matter's status from its manifest (ingest's view) and its progress (the aggregator's). */
    static MatterStatus matterStatus(MatterManifest manifest, Optional<MatterProgress> progress) {
        MatterStatus recorded = progress.map(MatterProgress::status).orElse(MatterStatus.OPEN);
        if (recorded.isFinal()) {
            return recorded;
        }
        if (manifest.isCancelled()) {
            return MatterStatus.CANCELLED;
        }
        if (!manifest.isSealed()) {
            return MatterStatus.OPEN;
        }
        MatterStatus known = progress.map(MatterProgress::status).orElse(MatterStatus.OPEN);
        // Sealed here but not yet seen sealed by the aggregator: it is on its way.
        return known == MatterStatus.OPEN ? MatterStatus.PROCESSING : known;
    }

    /**
     * A progress blob, empty when it does not exist yet. An unreadable one is logged and treated as missing: status
     * is a view, and the aggregator rewrites progress as work settles.
     */
    private <T> Mono<Optional<T>> read(String path, Class<T> type) {
        return blobs.read(path)
                .map(content -> {
                    try {
                        return Optional.of(mapper.readValue(content.bytes(), type));
                    } catch (JacksonException e) {
                        log.warn("Unreadable progress blob {}: {}", path, e.getOriginalMessage());
                        return Optional.<T>empty();
                    }
                })
                .defaultIfEmpty(Optional.empty());
    }
}
