package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.VersionedJson;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.progress.DocumentStatus;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.progress.MatterStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Cancelling a Matter where the aggregator sees it: the Matter progress gets the final status CANCELLED by the same
 * ETag compare-and-swap the aggregator uses, and "the first final status wins" (a {@link MatterProgress} rule) decides
 * a race with the aggregator finishing the Matter. From then on the aggregator records late facts but writes no
 * document result and no Matter result, and never announces the Matter; the canceller writes the CANCELLED result and
 * announces it.
 */
final class Cancellation {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final VersionedJson<MatterProgress> progress;

    Cancellation(BlobStore blobs, JsonMapper mapper, int attempts, Duration backoff) {
        this.progress = VersionedJson.of(blobs, mapper, MatterProgress.class, "progress",
                new VersionedJson.RetryPolicy(attempts - 1, backoff, Duration.ofSeconds(1), 0.5));
    }

    /**
     * Records the final status CANCELLED (a Matter cancelled before keeps its first cancellation). Fails with
     * {@code matter-finished} when the Matter reached another final status first.
     */
    Mono<MatterProgress> markCancelled(String matterId, Instant at) {
        return progress.update(BlobPaths.matterProgress(matterId), () -> MatterProgress.empty(matterId), current -> {
            if (current.status().isFinal() && current.status() != MatterStatus.CANCELLED) {
                throw new ConflictException("matter-finished", "Matter " + current.matterId() + " finished "
                        + current.status() + " at " + current.completedAt() + "; it can no longer be cancelled");
            }
            return current.withFinalStatus(MatterStatus.CANCELLED, at);
        });
    }

    /**
     * The result of a cancelled Matter, shaped like the aggregator's Matter result: every document that had settled
     * keeps its status, every other one is CANCELLED; the extracted items of a cancelled Matter are not assembled.
     */
    ObjectNode result(MatterManifest manifest, MatterProgress progress) {
        Map<String, DocumentStatus> settled = progress.settledDocuments();
        ArrayNode documents = NODES.arrayNode();
        int completed = 0;
        int partial = 0;
        int failed = 0;
        for (MatterManifest.ManifestDocument document : manifest.documents()) {
            DocumentStatus status = settled.getOrDefault(document.documentId(), DocumentStatus.CANCELLED);
            switch (status) {
                case COMPLETED -> completed++;
                case PARTIAL -> partial++;
                case FAILED -> failed++;
                default -> { }
            }
            documents.addObject()
                    .put("documentId", document.documentId())
                    .put("fileName", document.fileName())
                    .put("status", status.name());
        }
        ObjectNode result = NODES.objectNode();
        result.put("schemaVersion", 1);
        result.put("matterId", manifest.matterId());
        result.put("status", MatterStatus.CANCELLED.name());
        result.putNull("model");
        result.putArray("models");
        result.put("completedAt", progress.completedAt() == null ? null : progress.completedAt().toString());
        result.putObject("summary")
                .put("documents", manifest.documents().size())
                .put("documentsCompleted", completed)
                .put("documentsPartial", partial)
                .put("documentsFailed", failed)
                .put("documentsCancelled", manifest.documents().size() - completed - partial - failed);
        result.putArray("failures");
        result.putArray("items");
        result.set("documents", documents);
        return result;
    }
}
