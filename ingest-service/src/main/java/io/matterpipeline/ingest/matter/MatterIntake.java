package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.config.PipelineProperties;
import io.matterpipeline.contract.Ids;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TooLargeException;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.MatterManifest.ManifestDocument;
import io.matterpipeline.progress.FailureNote;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Taking Matters in: create a Matter, add its documents (streamed by an uploader, streamed under a caller's document
 * id, or copied from a blob already in the store), seal it. Failures: {@code invalid-id}, {@code invalid-name},
 * {@code empty-document} (bad input), {@code matter-not-found}, {@code source-not-found} (not found),
 * {@code matter-sealed}, {@code matter-already-sealed}, {@code matter-cancelled}, {@code too-many-documents}
 * (conflict), {@code document-too-large} (too large), {@code manifest-contention}, {@code publish-failed} (transient).
 *
 * <p>Durability: a document is accepted once its bytes are stored and it is recorded in the Matter manifest; its
 * {@code DocumentReceived} is published right after, and published again on seal if that did not happen (messages
 * have deterministic ids, so a repeat is harmless). A seal is recorded first and announced second; a seal whose
 * announcement failed is completed by the next seal call.
 */
public final class MatterIntake {

    private static final Logger log = LoggerFactory.getLogger(MatterIntake.class);

    private final BlobStore blobs;
    private final ManifestStore manifests;
    private final MatterPublisher publisher;
    private final String documentsQueue;
    private final String resultsQueue;
    private final IngestProperties properties;
    private final Clock clock;

    MatterIntake(BlobStore blobs, ManifestStore manifests, MatterPublisher publisher,
            PipelineProperties.QueueNames queues, IngestProperties properties, Clock clock) {
        this.blobs = blobs;
        this.manifests = manifests;
        this.publisher = publisher;
        this.documentsQueue = queues.documents();
        this.resultsQueue = queues.results();
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * Creates an open Matter of {@code tenant} with a new id.
     *
     * @param name an optional label (null or blank for none); at most the configured length, no control characters
     */
    public Mono<MatterView> create(String tenant, String name) {
        return Mono.defer(() -> createManifest(MatterManifest.open(Ids.newMatterId(), Ids.require("tenant", tenant),
                Labels.matterName(name, properties.maxNameLength()), clock.instant())));
    }

    /**
     * Creates an open Matter of {@code tenant} with the caller's id, or emits it when it exists already: for callers
     * that learn a Matter's id from outside and may learn it twice (the Blob-upload trigger reads it from the inbox
     * path). Fails with {@code invalid-id}, {@code invalid-name}, or {@code matter-not-found} when another tenant's
     * Matter has the id.
     */
    public Mono<MatterView> createIfAbsent(String tenant, String matterId, String name) {
        return Mono.defer(() -> {
            String owner = Ids.require("tenant", tenant);
            String id = Ids.require("matterId", matterId);
            String label = Labels.matterName(name, properties.maxNameLength());
            return manifests.read(id, owner)
                    .map(MatterView::of)
                    .onErrorResume(Matters::isMatterNotFound, missing -> blobs.stat(BlobPaths.matterManifest(id))
                            // Another tenant's Matter: reported as missing, never touched.
                            .flatMap(other -> Mono.<MatterView>error(missing))
                            .switchIfEmpty(Mono.defer(() -> createManifest(
                                    MatterManifest.open(id, owner, label, clock.instant()))))
                            // Created by someone else in between: theirs is the Matter.
                            .onErrorResume(MatterIntake::isPreconditionFailed,
                                    raced -> manifests.read(id, owner).map(MatterView::of)));
        }).checkpoint("create Matter " + matterId);
    }

    /**
     * Writes the tenant's index entry first and the manifest second: an entry whose manifest never landed is skipped
     * by {@link MatterQueries#list}, while a manifest without an entry would be a Matter nobody can find.
     */
    private Mono<MatterView> createManifest(MatterManifest manifest) {
        return blobs.putBytes(BlobPaths.tenantMatter(manifest.tenant(), MatterIndex.key(manifest)), new byte[0],
                        PutCondition.none())
                .then(manifests.create(manifest))
                .map(MatterView::of);
    }

    /**
     * The Matter if it accepts documents now: lets a caller refuse an upload before reading its body. Fails with
     * {@code matter-not-found}, {@code matter-sealed} or {@code too-many-documents}; {@link #upload} checks again.
     */
    public Mono<MatterView> acceptingDocuments(String tenant, String matterId) {
        return Mono.defer(() -> manifests.read(Ids.require("matterId", matterId), tenant))
                .doOnNext(this::requireAcceptsDocuments)
                .map(MatterView::of);
    }

    /**
     * Streams an uploaded document into an open Matter as a new document (a new document id each call). The content
     * is written to the blob store as it arrives, counted on the way: past the configured maximum the upload is cut
     * off ({@code document-too-large}) and whatever was written is deleted; an empty upload fails with
     * {@code empty-document}. A Matter sealed while the upload streamed refuses it ({@code matter-sealed}) and the
     * stored bytes are deleted.
     */
    public Mono<DocumentView> upload(String tenant, String matterId, DocumentUpload upload) {
        return Mono.defer(() -> {
            String id = Ids.require("matterId", matterId);
            String name = Labels.fileName(upload.fileName());
            String contentType = Labels.contentType(upload.declaredContentType());
            // Refuse early, before reading a possibly large body into a Matter that cannot take it; the manifest
            // update below checks again, since the Matter may be sealed while the body streams.
            return manifests.read(id, tenant)
                    .doOnNext(this::requireAcceptsDocuments)
                    .then(Mono.defer(() -> storeNewDocument(tenant, id, Ids.newDocumentId(), name, contentType,
                            upload.content())));
        }).checkpoint("add document to Matter " + matterId);
    }

    /**
     * Streams a document into an open Matter under the caller's document id, idempotently: when the Matter already has
     * a document with this id, emits it without reading the content (even if the Matter was sealed since). For
     * callers that derive the id from something stable, so that a redelivered request never yields a second document
     * (the Blob-upload trigger derives it from the source blob's path and ETag). Limits and failures as
     * {@link #upload}, plus {@code invalid-id} for a malformed document id.
     *
     * <p>The caller promises that one id always comes with the same bytes. The source is therefore written
     * unconditionally (a retry or a concurrent twin writes the same bytes), and a failed write is not cleaned up
     * (a twin may have recorded the document; an unreferenced source blob is harmless).
     */
    public Mono<DocumentView> uploadOnce(String tenant, String matterId, String documentId, DocumentUpload upload) {
        return Mono.defer(() -> {
            String id = Ids.require("matterId", matterId);
            String docId = Ids.require("documentId", documentId);
            String name = Labels.fileName(upload.fileName());
            String contentType = Labels.contentType(upload.declaredContentType());
            return manifests.read(id, tenant).flatMap(manifest -> {
                Optional<ManifestDocument> recorded = recordedDocument(manifest, docId);
                if (recorded.isPresent()) {
                    return Mono.just(DocumentView.of(id, recorded.get()));
                }
                requireAcceptsDocuments(manifest);
                UploadGuard guard = new UploadGuard(properties.maxDocumentSize().toBytes(), "Document " + name);
                return blobs.put(BlobPaths.documentSource(id, docId), guard.guard(upload.content()),
                                PutCondition.none(), Map.of())
                        .onErrorMap(guard::explain)
                        .flatMap(stored -> recordOnce(tenant, id, new ManifestDocument(docId, name, contentType,
                                stored.size(), clock.instant(), false)));
            });
        }).checkpoint("add document " + documentId + " to Matter " + matterId);
    }

    /**
     * Adds a document that is already in the blob store (an upstream producer put it there) by copying it into the
     * Matter; the source blob is left as it is. Idempotent for a given {@code documentId}, as {@link #uploadOnce}:
     * when the Matter already has that document, it is returned and nothing is copied. Fails with
     * {@code source-not-found} when the source blob does not exist, {@code document-too-large} when it is larger than
     * the limit.
     *
     * @param documentId the id the document gets (derived by the caller from its request id, so a repeat is a no-op)
     * @param fileName the document's file name; null for the last segment of {@code sourcePath}
     */
    public Mono<DocumentView> copyDocument(String tenant, String matterId, String documentId, String sourcePath,
            String fileName, String declaredContentType) {
        return Mono.defer(() -> {
            String name = fileName == null ? sourcePath.substring(sourcePath.lastIndexOf('/') + 1) : fileName;
            long limit = properties.maxDocumentSize().toBytes();
            // The size is checked before reading; uploadOnce counts again while copying (the blob may change).
            Flux<ByteBuffer> content = blobs.stat(sourcePath)
                    .switchIfEmpty(Mono.error(() -> new NotFoundException("source-not-found",
                            "No blob at " + sourcePath)))
                    .flatMapMany(source -> source.size() > limit
                            ? Flux.error(new TooLargeException("document-too-large", "The blob " + sourcePath + " of "
                                    + source.size() + " bytes is larger than the limit of " + limit + " bytes"))
                            : blobs.get(sourcePath));
            return uploadOnce(tenant, matterId, documentId, new DocumentUpload(name, declaredContentType, content));
        }).checkpoint("copy " + sourcePath + " into Matter " + matterId);
    }

    /**
     * Seals a Matter of {@code tenant}: no more documents, and the pipeline learns which documents the Matter has.
     * Sealing an empty Matter is allowed (it ends FAILED). A cancelled Matter fails with {@code matter-cancelled}.
     *
     * @return {@link SealView#resumed()} false when this call sealed the Matter, true when it completed an earlier
     *     seal whose announcement had failed; a Matter sealed and announced before fails with
     *     {@code matter-already-sealed}
     */
    public Mono<SealView> seal(String tenant, String matterId) {
        return Mono.defer(() -> {
            String id = Ids.require("matterId", matterId);
            Instant now = clock.instant();
            AtomicBoolean resumed = new AtomicBoolean();
            return manifests.update(id, tenant, manifest -> {
                        if (manifest.isCancelled()) {
                            throw cancelled(manifest);
                        }
                        if (!manifest.isSealed()) {
                            resumed.set(false);
                            return manifest.sealed(now);
                        }
                        if (manifest.sealPublished()) {
                            throw new ConflictException("matter-already-sealed",
                                    "Matter " + id + " was sealed at " + manifest.sealedAt());
                        }
                        resumed.set(true);
                        return manifest;
                    })
                    .flatMap(manifest -> announceSeal(tenant, manifest))
                    .map(manifest -> new SealView(id, manifest.sealedAt(), manifest.documents().size(),
                            resumed.get()));
        }).checkpoint("seal Matter " + matterId);
    }

    /**
     * Records that a document asked for could not be added (a request or event given up on, about to be
     * dead-lettered), so its Matter does not wait for it: the document is in the manifest as failed with
     * {@code reason}, announced as {@code DocumentFailed} on the results queue, listed by the seal, and the Matter
     * ends PARTIAL (FAILED if nothing else was read). Nothing is recorded when the Matter does not exist, no longer
     * accepts documents (sealed, cancelled, full) or already has {@code documentId}.
     *
     * @return true when this call recorded the failure
     */
    public Mono<Boolean> recordFailedDocument(String tenant, String matterId, String documentId, String fileName,
            String reason, String description) {
        return Mono.defer(() -> {
            String id = Ids.require("matterId", matterId);
            String docId = Ids.require("documentId", documentId);
            ManifestDocument failed = new ManifestDocument(docId, Labels.fileName(fileName), null, 0,
                    clock.instant(), false, new FailureNote(reason, description));
            AtomicBoolean recorded = new AtomicBoolean();
            return manifests.update(id, tenant, manifest -> {
                        recorded.set(false);
                        if (manifest.hasDocument(docId) || manifest.isCancelled() || manifest.isSealed()
                                || manifest.documents().size() >= properties.maxDocumentsPerMatter()) {
                            return manifest;
                        }
                        recorded.set(true);
                        return manifest.withDocument(failed);
                    })
                    .flatMap(manifest -> recorded.get()
                            ? announceDocument(tenant, id, failed).thenReturn(true)
                            : Mono.just(false))
                    .onErrorResume(Matters::isMatterNotFound, missing -> Mono.just(false));
        }).checkpoint("record failed document " + documentId + " of Matter " + matterId);
    }

    private String announcedOn(ManifestDocument document) {
        return document.failure() == null ? documentsQueue : resultsQueue;
    }

    private Mono<DocumentView> storeNewDocument(String tenant, String matterId, String documentId, String fileName,
            String contentType, Flux<ByteBuffer> content) {
        String source = BlobPaths.documentSource(matterId, documentId);
        UploadGuard guard = new UploadGuard(properties.maxDocumentSize().toBytes(), "Document " + fileName);
        return blobs.put(source, guard.guard(content), PutCondition.ifAbsent(), Map.of())
                .onErrorResume(error -> deleteQuietly(source).then(Mono.error(guard.explain(error))))
                .flatMap(stored -> {
                    ManifestDocument document = new ManifestDocument(documentId, fileName, contentType,
                            stored.size(), clock.instant(), false);
                    return manifests.update(matterId, tenant, manifest -> {
                                if (manifest.hasDocument(documentId)) {
                                    // An earlier attempt landed although its answer was lost.
                                    return manifest;
                                }
                                requireAcceptsDocuments(manifest);
                                return manifest.withDocument(document);
                            })
                            .onErrorResume(error -> isSurelyNotRecorded(error)
                                    ? deleteQuietly(source).then(Mono.error(error))
                                    : Mono.error(error))
                            .then(announceDocument(tenant, matterId, document))
                            .thenReturn(DocumentView.of(matterId, document));
                });
    }

    /** Records a document unless a twin did; announces it when this call recorded it. */
    private Mono<DocumentView> recordOnce(String tenant, String matterId, ManifestDocument document) {
        AtomicReference<ManifestDocument> kept = new AtomicReference<>();
        return manifests.update(matterId, tenant, manifest -> {
                    Optional<ManifestDocument> twin = recordedDocument(manifest, document.documentId());
                    kept.set(twin.orElse(document));
                    if (twin.isPresent()) {
                        return manifest;
                    }
                    requireAcceptsDocuments(manifest);
                    return manifest.withDocument(document);
                })
                .then(Mono.defer(() -> kept.get() == document
                        ? announceDocument(tenant, matterId, document) : Mono.empty()))
                .then(Mono.fromSupplier(() -> DocumentView.of(matterId, kept.get())));
    }

    private static Optional<ManifestDocument> recordedDocument(MatterManifest manifest, String documentId) {
        return manifest.documents().stream().filter(d -> d.documentId().equals(documentId)).findFirst();
    }

    private static boolean isPreconditionFailed(Throwable error) {
        return error instanceof ConflictException conflict && "precondition-failed".equals(conflict.reason());
    }

    /**
     * True when the manifest certainly does not name the document: the Matter refused it (sealed, full, gone) or
     * every compare-and-swap lost. Then its bytes belong to nothing and are deleted. After any other failure the write
     * may have landed, so the bytes stay (an unreferenced source blob is harmless; a referenced missing one is not).
     */
    private static boolean isSurelyNotRecorded(Throwable error) {
        return error instanceof PipelineException pipeline
                && (pipeline.kind() != PipelineException.Kind.TRANSIENT
                        || ManifestStore.CONTENTION.equals(pipeline.reason()));
    }

    /**
     * Publishes the document's DocumentReceived and records that it was. The document is accepted already; a failure
     * here only delays it until the seal publishes it again, so it is logged, not returned.
     */
    private Mono<Void> announceDocument(String tenant, String matterId, ManifestDocument document) {
        return publisher.publish(announcedOn(document), document.announcement(matterId))
                .then(manifests.update(matterId, tenant,
                        manifest -> manifest.withDocumentsPublished(Set.of(document.documentId()))))
                .then()
                .onErrorResume(error -> {
                    log.warn("Document {} of Matter {} is stored but not announced yet; sealing will announce it: {}",
                            document.documentId(), matterId, error.toString());
                    return Mono.empty();
                });
    }

    private Mono<MatterManifest> announceSeal(String tenant, MatterManifest sealed) {
        String matterId = sealed.matterId();
        List<ManifestDocument> pending = sealed.unpublishedDocuments();
        Mono<MatterManifest> documentsAnnounced = pending.isEmpty()
                ? Mono.just(sealed)
                : Flux.fromIterable(pending.stream().collect(Collectors.groupingBy(this::announcedOn)).entrySet())
                        .concatMap(byQueue -> publisher.publishAll(byQueue.getKey(), byQueue.getValue().stream()
                                .map(document -> document.announcement(matterId))
                                .toList()))
                        .then(manifests.update(matterId, tenant, manifest -> manifest.withDocumentsPublished(
                                pending.stream().map(ManifestDocument::documentId).collect(Collectors.toSet()))));
        return documentsAnnounced
                .flatMap(manifest -> publisher.publish(resultsQueue, manifest.sealedMessage()))
                .then(manifests.update(matterId, tenant, MatterManifest::withSealPublished));
    }

    private void requireAcceptsDocuments(MatterManifest manifest) {
        if (manifest.isCancelled()) {
            throw cancelled(manifest);
        }
        if (manifest.isSealed()) {
            throw new ConflictException("matter-sealed",
                    "Matter " + manifest.matterId() + " is sealed and accepts no more documents");
        }
        if (manifest.documents().size() >= properties.maxDocumentsPerMatter()) {
            throw new ConflictException("too-many-documents", "Matter " + manifest.matterId() + " already has "
                    + manifest.documents().size() + " documents, the most allowed");
        }
    }

    private Mono<Long> deleteQuietly(String path) {
        return blobs.deleteAll(List.of(path))
                .onErrorResume(error -> {
                    log.warn("Could not delete {} after a refused upload: {}", path, error.toString());
                    return Mono.just(0L);
                });
    }

    private static ConflictException cancelled(MatterManifest manifest) {
        return new ConflictException("matter-cancelled",
                "Matter " + manifest.matterId() + " was cancelled at " + manifest.cancelledAt());
    }
}
