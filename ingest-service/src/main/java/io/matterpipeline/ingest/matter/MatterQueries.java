package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.contract.Ids;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.MatterManifest.ManifestDocument;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.DocumentStatus;
import io.matterpipeline.progress.FailureNote;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.progress.MatterStatus;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reading Matters: a Matter's status (its manifest combined with the aggregator's progress), its result, and the
 * tenant's Matters page by page. Nothing here writes. Failures: {@code invalid-id}, {@code invalid-limit} (bad
 * input), {@code matter-not-found}, {@code result-not-ready} (not found).
 */
public final class MatterQueries {

    private final BlobStore blobs;
    private final ManifestStore manifests;
    private final MatterProgressReader progress;
    private final IngestProperties properties;

    MatterQueries(BlobStore blobs, ManifestStore manifests, MatterProgressReader progress,
            IngestProperties properties) {
        this.blobs = blobs;
        this.manifests = manifests;
        this.progress = progress;
        this.properties = properties;
    }

    /** The status of a Matter of {@code tenant}, with the progress of each document as far as the pipeline got. */
    public Mono<MatterStatusView> status(String tenant, String matterId) {
        return Mono.defer(() -> manifests.read(Ids.require("matterId", matterId), tenant))
                .flatMap(manifest -> progress.matter(manifest.matterId())
                        .flatMap(matterProgress -> statusOf(manifest, matterProgress)));
    }

    /**
     * Streams the result (JSON) of a Matter of {@code tenant} once the Matter reached its final status; before that it
     * fails with {@code result-not-ready}.
     */
    public Flux<ByteBuffer> result(String tenant, String matterId) {
        return Mono.defer(() -> manifests.read(Ids.require("matterId", matterId), tenant))
                .flatMap(manifest -> blobs.stat(BlobPaths.matterResult(manifest.matterId()))
                        .switchIfEmpty(Mono.error(() -> new NotFoundException("result-not-ready",
                                "Matter " + manifest.matterId() + " has no result yet: it is "
                                        + (manifest.isCancelled() ? "being cancelled; cancel again to finish"
                                                : manifest.isSealed() ? "being processed" : "open; seal it first")))))
                .flatMapMany(info -> blobs.get(info.path()));
    }

    /**
     * One page of the tenant's Matters, newest first.
     *
     * @param limit entries wanted, 1 to the configured maximum
     * @param cursor null for the first page, else the {@link MatterPage#nextCursor()} of the previous one
     */
    public Mono<MatterPage> list(String tenant, int limit, String cursor) {
        return Mono.defer(() -> {
            String owner = Ids.require("tenant", tenant);
            if (limit < 1 || limit > properties.listing().maxPageSize()) {
                return Mono.error(new BadInputException("invalid-limit",
                        "limit must be between 1 and " + properties.listing().maxPageSize()));
            }
            String after = cursor == null || cursor.isEmpty() ? null : MatterIndex.fromCursor(cursor);
            String prefix = BlobPaths.tenantMattersPrefix(owner);
            return blobs.list(prefix)
                    .map(info -> info.path().substring(prefix.length()))
                    .filter(key -> after == null || key.compareTo(after) > 0)
                    .take(limit + 1L)
                    .collectList()
                    .flatMap(keys -> {
                        List<String> page = keys.size() > limit ? keys.subList(0, limit) : keys;
                        String next = keys.size() > limit ? MatterIndex.cursor(page.get(page.size() - 1)) : null;
                        return Flux.fromIterable(page)
                                .flatMapSequential(key -> manifests.read(MatterIndex.matterId(key), owner)
                                        .map(MatterView::of)
                                        // An entry whose manifest never landed or was deleted is not a Matter.
                                        .onErrorResume(Matters::isMatterNotFound, gone -> Mono.empty()),
                                        properties.statusReadConcurrency())
                                .collectList()
                                .map(matters -> new MatterPage(matters, next));
                    });
        });
    }

    private Mono<MatterStatusView> statusOf(MatterManifest manifest, Optional<MatterProgress> matterProgress) {
        Map<String, DocumentStatus> settled = matterProgress.map(MatterProgress::settledDocuments).orElse(Map.of());
        MatterStatus status = MatterProgressReader.matterStatus(manifest, matterProgress);
        boolean cancelled = status == MatterStatus.CANCELLED;
        return Flux.fromIterable(manifest.documents())
                .flatMapSequential(document -> progress.document(manifest.matterId(), document.documentId())
                                .map(found -> documentStatus(document, found, settled.get(document.documentId()),
                                        cancelled)),
                        properties.statusReadConcurrency())
                .collectList()
                .map(documents -> new MatterStatusView(manifest.matterId(), manifest.name(), manifest.state(), status,
                        manifest.createdAt(), manifest.sealedAt(),
                        matterProgress.map(MatterProgress::completedAt).orElse(null), status.isFinal(),
                        MatterStatusView.Totals.of(documents), documents));
    }

    private static DocumentStatusView documentStatus(ManifestDocument document, Optional<DocumentProgress> found,
            DocumentStatus settledStatus, boolean matterCancelled) {
        DocumentProgress progress = found.orElse(null);
        // A document that could not be added is FAILED from the start, before the aggregator hears of it.
        FailureNote failure = progress != null && progress.documentFailure() != null ? progress.documentFailure()
                : document.failure();
        DocumentStatus status = settledStatus != null ? settledStatus
                : progress != null ? progress.status()
                : document.failure() != null ? DocumentStatus.FAILED : DocumentStatus.PENDING;
        if (matterCancelled && settledStatus == null) {
            // Whatever was still running for it is skipped.
            status = DocumentStatus.CANCELLED;
        }
        return new DocumentStatusView(document.documentId(), document.fileName(), document.sizeBytes(),
                document.uploadedAt(), status,
                progress == null ? null : progress.kind(),
                progress == null ? null : progress.pageCount(),
                progress == null ? 0 : progress.extractedPages().size(),
                progress == null ? 0 : progress.failedPages().size(),
                progress == null ? null : progress.averageWordConfidence(),
                failure);
    }
}
