package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.VersionedJson;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.MatterProgress;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Mono;

/**
 * Reads and updates the progress blobs with optimistic concurrency ({@link VersionedJson}): a fact is a pure change,
 * re-applied after a lost race; a fact that changes nothing writes nothing, so duplicates cost one read. After
 * {@code casMaxAttempts} lost races in a row the update fails with reason {@code progress-contention} and the bus
 * redelivers the message later.
 */
final class ProgressStore {

    private final VersionedJson<DocumentProgress> documents;
    private final VersionedJson<MatterProgress> matters;

    ProgressStore(BlobStore store, AggregatorProperties.Progress settings) {
        VersionedJson.RetryPolicy retry = new VersionedJson.RetryPolicy(settings.casMaxAttempts(),
                settings.casFirstBackoff(), settings.casMaxBackoff(), settings.casJitter());
        this.documents = VersionedJson.of(store, MessageCodec.mapper(), DocumentProgress.class, "progress", retry);
        this.matters = VersionedJson.of(store, MessageCodec.mapper(), MatterProgress.class, "progress", retry);
    }

    /** The document's progress, or empty when nothing is recorded yet. */
    Mono<DocumentProgress> readDocument(String matterId, String documentId) {
        return documents.read(BlobPaths.documentProgress(matterId, documentId)).map(VersionedJson.Versioned::value);
    }

    /** Applies {@code fact} to the document's progress; emits the progress as stored afterwards. */
    Mono<DocumentProgress> updateDocument(String matterId, String documentId, UnaryOperator<DocumentProgress> fact) {
        return documents.update(BlobPaths.documentProgress(matterId, documentId),
                () -> DocumentProgress.empty(matterId, documentId), fact);
    }

    /** The Matter's progress; an empty (open) progress when nothing is recorded yet. */
    Mono<MatterProgress> readMatter(String matterId) {
        return matters.read(BlobPaths.matterProgress(matterId))
                .map(VersionedJson.Versioned::value)
                .defaultIfEmpty(MatterProgress.empty(matterId));
    }

    /** Applies {@code fact} to the Matter's progress; emits the progress as stored afterwards. */
    Mono<MatterProgress> updateMatter(String matterId, UnaryOperator<MatterProgress> fact) {
        return matters.update(BlobPaths.matterProgress(matterId), () -> MatterProgress.empty(matterId), fact);
    }
}
