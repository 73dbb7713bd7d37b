package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.VersionedJson;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.progress.DocumentStatus;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.progress.MatterStatus;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Cancelling a Matter without writing what the aggregator owns: ingest records the cancel in a blob of its own, the
 * cancel marker ({@link BlobPaths#matterCancellation}), which the llm-workers look for to skip the Matter's pages, and
 * then tries to create the CANCELLED Matter result with {@code If-None-Match: *}. Creating the result is where a race
 * with the aggregator finishing the Matter is decided: the aggregator creates its result the same way, so exactly one
 * of them creates it. If the aggregator's result is there first, the cancel fails with {@code matter-finished}; if the
 * CANCELLED result is, the aggregator records the Matter as CANCELLED in its progress when it next looks at the
 * Matter, writes no Matter result and never announces it; the canceller announces it.
 */
final class Cancellation {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final BlobStore blobs;
    private final JsonMapper mapper;
    private final VersionedJson<CancelMarker> markers;
    private final VersionedJson<MatterProgress> progress;

    Cancellation(BlobStore blobs, JsonMapper mapper, int attempts, Duration backoff) {
        this.blobs = blobs;
        this.mapper = mapper;
        VersionedJson.RetryPolicy retry = new VersionedJson.RetryPolicy(attempts - 1, backoff, Duration.ofSeconds(1),
                0.5);
        this.markers = VersionedJson.of(blobs, mapper, CancelMarker.class, "cancel-marker", retry);
        this.progress = VersionedJson.of(blobs, mapper, MatterProgress.class, "progress", retry);
    }

    /**
     * Cancels the Matter of {@code manifest}: records the marker (a Matter cancelled before keeps its first
     * cancellation time), then creates the CANCELLED result unless the Matter has one; emits the Matter's progress
     * as the result reports it. Fails with {@code matter-finished} when the Matter reached another final status
     * first. Safe to repeat.
     */
    Mono<MatterProgress> cancel(MatterManifest manifest, Instant at) {
        String matterId = manifest.matterId();
        return progress.read(BlobPaths.matterProgress(matterId))
                .map(VersionedJson.Versioned::value)
                .defaultIfEmpty(MatterProgress.empty(matterId))
                .flatMap(current -> {
                    if (current.status().isFinal() && current.status() != MatterStatus.CANCELLED) {
                        return Mono.error(finished(current.matterId(), current.status().name()));
                    }
                    return markers.update(BlobPaths.matterCancellation(matterId),
                                    () -> new CancelMarker(matterId, at), marker -> marker)
                            .flatMap(marker -> createResult(manifest,
                                    current.withFinalStatus(MatterStatus.CANCELLED, marker.cancelledAt())));
                });
    }

    /** Creates the CANCELLED result; a result already there is the earlier cancel's, or the aggregator's. */
    private Mono<MatterProgress> createResult(MatterManifest manifest, MatterProgress cancelled) {
        String path = BlobPaths.matterResult(manifest.matterId());
        return Mono.fromCallable(() -> mapper.writeValueAsBytes(result(manifest, cancelled)))
                .flatMap(bytes -> blobs.put(path, Flux.just(ByteBuffer.wrap(bytes)), PutCondition.ifAbsent(),
                        Map.of(BlobPaths.RESULT_STATUS, MatterStatus.CANCELLED.name())))
                .thenReturn(cancelled)
                .onErrorResume(PutCondition::refused, lost -> blobs.read(path)
                        .map(existing -> mapper.readTree(existing.bytes()).path("status").asString(""))
                        .defaultIfEmpty("")
                        .flatMap(status -> status.equals(MatterStatus.CANCELLED.name())
                                ? Mono.just(cancelled)
                                : Mono.error(finished(manifest.matterId(), status))));
    }

    private static ConflictException finished(String matterId, String status) {
        return new ConflictException("matter-finished", "Matter " + matterId + " finished " + status
                + "; it can no longer be cancelled");
    }

    /**
     * What ingest records when a user cancels a Matter.
     *
     * @param cancelledAt when the first cancel was asked for
     */
    record CancelMarker(String matterId, Instant cancelledAt) {
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
            // A document that could not be added stays FAILED, whether or not the aggregator has heard of it yet.
            DocumentStatus status = settled.getOrDefault(document.documentId(),
                    document.failure() != null ? DocumentStatus.FAILED : DocumentStatus.CANCELLED);
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
