package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.BlobTiering;
import io.matterpipeline.config.PipelineProperties;
import io.matterpipeline.contract.Ids;
import io.matterpipeline.contract.MatterCompleted;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.progress.MatterStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Ending a Matter's life: cancel it, delete it with all its blobs, or archive a final Matter's sources. Failures:
 * {@code invalid-id} (bad input), {@code matter-not-found} (not found), {@code matter-finished},
 * {@code matter-processing}, {@code matter-not-final}, {@code archive-not-supported} (conflict),
 * {@code manifest-contention}, {@code progress-contention}, {@code publish-failed} (transient).
 */
public final class MatterLifecycle {

    private static final Logger log = LoggerFactory.getLogger(MatterLifecycle.class);
    /** Paths handed to one {@link BlobStore#deleteAll} call (the Azure adapter splits them into batches of 256). */
    private static final int DELETE_CHUNK = 1024;

    private final BlobStore blobs;
    private final ManifestStore manifests;
    private final Cancellation cancellation;
    private final MatterProgressReader progress;
    private final MatterPublisher publisher;
    private final MatterQueries queries;
    private final String mattersCompletedQueue;
    private final Clock clock;

    MatterLifecycle(BlobStore blobs, ManifestStore manifests, Cancellation cancellation, MatterProgressReader progress,
            MatterPublisher publisher, MatterQueries queries, PipelineProperties.QueueNames queues, Clock clock) {
        this.blobs = blobs;
        this.manifests = manifests;
        this.cancellation = cancellation;
        this.progress = progress;
        this.publisher = publisher;
        this.queries = queries;
        this.mattersCompletedQueue = queues.mattersCompleted();
        this.clock = clock;
    }

    /**
     * Cancels a Matter, open or sealed: no more documents or seal, pages not read yet are skipped, and the Matter ends
     * CANCELLED with a result listing each document's status. Safe to repeat: a repeated (or interrupted) cancel
     * finishes what an earlier one started and changes nothing else. Fails with {@code matter-finished} when the
     * Matter reached another final status first.
     *
     * <p>Order: the cancel marker and the CANCELLED result first ({@link Cancellation}: where the workers learn it,
     * and where a race with the aggregator finishing is decided), then the manifest (no more uploads or seal), then
     * the announcement on the matters-completed queue.
     *
     * @return the Matter's status after the cancel
     */
    public Mono<MatterStatusView> cancel(String tenant, String matterId) {
        return Mono.defer(() -> {
            String id = Ids.require("matterId", matterId);
            Instant now = clock.instant();
            return manifests.read(id, tenant)
                    .flatMap(manifest -> cancellation.cancel(manifest, now))
                    .then(manifests.update(id, tenant, manifest -> manifest.cancelled(now)))
                    .then(publisher.publish(mattersCompletedQueue, new MatterCompleted(id,
                            MatterStatus.CANCELLED.name(), BlobPaths.matterResult(id))))
                    .then(Mono.defer(() -> queries.status(tenant, id)));
        }).checkpoint("cancel Matter " + matterId);
    }

    /**
     * Deletes a Matter and every blob under its prefix (documents, pages, extractions, progress, results) with the
     * store's batched delete, then its listing entry, then its manifest last, so that an interrupted delete can be
     * repeated. A Matter being processed must be cancelled first ({@code matter-processing}): its pipeline would
     * otherwise keep writing under the prefix.
     */
    public Mono<Void> delete(String tenant, String matterId) {
        return Mono.defer(() -> {
            String id = Ids.require("matterId", matterId);
            String manifestPath = BlobPaths.matterManifest(id);
            return manifests.read(id, tenant)
                    .flatMap(manifest -> progress.matter(id)
                            .flatMap(matterProgress -> {
                                MatterStatus status = MatterProgressReader.matterStatus(manifest, matterProgress);
                                if (status == MatterStatus.PROCESSING) {
                                    return Mono.error(new ConflictException("matter-processing", "Matter " + id
                                            + " is being processed; cancel it before deleting it"));
                                }
                                return blobs.list(BlobPaths.matterPrefix(id))
                                        .map(BlobInfo::path)
                                        .filter(path -> !path.equals(manifestPath))
                                        .buffer(DELETE_CHUNK)
                                        .concatMap(blobs::deleteAll)
                                        .then(blobs.deleteAll(List.of(
                                                BlobPaths.tenantMatter(manifest.tenant(), MatterIndex.key(manifest)))))
                                        .then(blobs.deleteAll(List.of(manifestPath)));
                            }))
                    .doOnSuccess(deleted -> log.info("Matter {} deleted", id))
                    .then();
        }).checkpoint("delete Matter " + matterId);
    }

    /**
     * Moves the source documents of a final Matter to the store's infrequent-access tier (they stay readable), when
     * the store has tiers ({@link BlobTiering}); fails with {@code archive-not-supported} when it has none and with
     * {@code matter-not-final} before the Matter is final. Safe to repeat.
     */
    public Mono<ArchiveView> archive(String tenant, String matterId) {
        return Mono.defer(() -> {
            String id = Ids.require("matterId", matterId);
            // The Matter first: another tenant learns nothing, not even what this store supports.
            return manifests.read(id, tenant)
                    .flatMap(manifest -> progress.matter(id)
                            .flatMap(matterProgress -> {
                                if (!(blobs instanceof BlobTiering tiering)) {
                                    return Mono.error(new ConflictException("archive-not-supported", "The "
                                            + "configured blob store has no access tiers; archiving needs Azure "
                                            + "Blob Storage"));
                                }
                                if (!MatterProgressReader.matterStatus(manifest, matterProgress).isFinal()) {
                                    return Mono.error(new ConflictException("matter-not-final", "Matter " + id
                                            + " is not final yet; only a final Matter's sources are archived"));
                                }
                                // A document that could not be added has no source.
                                List<String> sources = manifest.documents().stream()
                                        .filter(document -> document.failure() == null)
                                        .map(document -> BlobPaths.documentSource(id, document.documentId()))
                                        .toList();
                                Instant now = clock.instant();
                                return tiering.archive(sources)
                                        .flatMap(moved -> manifests.update(id, tenant, m -> m.archived(now))
                                                .map(archived -> new ArchiveView(id, moved, archived.archivedAt())));
                            }));
        }).checkpoint("archive Matter " + matterId);
    }
}
