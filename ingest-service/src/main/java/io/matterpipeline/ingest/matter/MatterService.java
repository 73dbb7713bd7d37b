package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.BlobTiering;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.contract.Ids;
import io.matterpipeline.contract.MatterCompleted;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TooLargeException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.MatterManifest.ManifestDocument;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.DocumentStatus;
import io.matterpipeline.progress.FailureNote;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.progress.MatterStatus;
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
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Matter lifecycle: create a Matter, add documents, seal it, follow its progress, fetch its result, cancel,
 * archive, delete and list. Used by the HTTP API, the upstream request queue and, without HTTP, by the standalone
 * command line. Every Matter belongs to a tenant; a Matter of another tenant is reported exactly like a missing one
 * ({@code matter-not-found}). The methods without a tenant act for the configured default tenant.
 *
 * <p>Every method validates its arguments and reports every failure inside the returned publisher as a
 * {@link PipelineException}: {@code invalid-id}, {@code invalid-name}, {@code empty-document} (bad input),
 * {@code matter-not-found}, {@code result-not-ready} (not found), {@code matter-sealed},
 * {@code matter-already-sealed}, {@code matter-cancelled}, {@code matter-finished}, {@code matter-processing},
 * {@code matter-not-final}, {@code archive-not-supported}, {@code too-many-documents}, {@code matter-exists}
 * (conflict), {@code document-too-large} (too large),
 * {@code manifest-contention}, {@code publish-failed} (transient).
 *
 * <p>Durability: a document is accepted once its bytes are stored and it is recorded in the Matter manifest; its
 * {@code DocumentReceived} is published right after, and published again on seal if that did not happen (messages
 * have deterministic ids, so a repeat is harmless). A seal is recorded first and announced second; a seal whose
 * announcement failed is completed by the next seal call.
 */
public final class MatterService {

    private static final Logger log = LoggerFactory.getLogger(MatterService.class);
    private static final String DEFAULT_FILE_NAME = "document";
    private static final int MAX_FILE_NAME_LENGTH = 255;
    private static final int MAX_CONTENT_TYPE_LENGTH = 255;
    /** Paths handed to one {@link BlobStore#deleteAll} call (the Azure adapter splits them into batches of 256). */
    private static final int DELETE_CHUNK = 1024;

    private final BlobStore blobs;
    private final MessageBus bus;
    private final String documentsQueue;
    private final String resultsQueue;
    private final String mattersCompletedQueue;
    private final IngestProperties properties;
    private final Clock clock;
    private final JsonMapper mapper;
    private final ManifestStore manifests;
    private final Cancellation cancellation;

    /**
     * @param documentsQueue where {@code DocumentReceived} goes (the page-splitter's queue)
     * @param resultsQueue where {@code MatterSealed} goes (the aggregator's queue)
     */
    public MatterService(BlobStore blobs, MessageBus bus, String documentsQueue, String resultsQueue,
            IngestProperties properties, Clock clock) {
        this(blobs, bus, documentsQueue, resultsQueue, Queues.MATTERS_COMPLETED, properties, clock);
    }

    /**
     * @param documentsQueue where {@code DocumentReceived} goes (the page-splitter's queue)
     * @param resultsQueue where {@code MatterSealed} goes (the aggregator's queue)
     * @param mattersCompletedQueue where a cancellation's {@code MatterCompleted} goes (upstream systems)
     */
    public MatterService(BlobStore blobs, MessageBus bus, String documentsQueue, String resultsQueue,
            String mattersCompletedQueue, IngestProperties properties, Clock clock) {
        this.blobs = blobs;
        this.bus = bus;
        this.documentsQueue = documentsQueue;
        this.resultsQueue = resultsQueue;
        this.mattersCompletedQueue = mattersCompletedQueue;
        this.properties = properties;
        this.clock = clock;
        this.mapper = MessageCodec.mapper();
        this.manifests = new ManifestStore(blobs, mapper, properties.manifestUpdateAttempts(),
                properties.manifestUpdateBackoff());
        this.cancellation = new Cancellation(blobs, mapper, properties.manifestUpdateAttempts(),
                properties.manifestUpdateBackoff());
    }

    /** Creates an open Matter of the default tenant; see {@link #create(String, String)}. */
    public Mono<MatterView> create(String name) {
        return create(properties.defaultTenant(), name);
    }

    /**
     * Creates an open Matter of {@code tenant} with a new id.
     *
     * @param name an optional label (null or blank for none); at most the configured length, no control characters
     */
    public Mono<MatterView> create(String tenant, String name) {
        return Mono.defer(() -> createManifest(MatterManifest.open(Ids.newMatterId(), Ids.require("tenant", tenant),
                validName(name), clock.instant())));
    }

    /**
     * Writes the tenant's index entry first and the manifest second: an entry whose manifest never landed is skipped
     * by {@link #list}, while a manifest without an entry would be a Matter nobody can find.
     */
    private Mono<MatterView> createManifest(MatterManifest manifest) {
        return blobs.putBytes(BlobPaths.tenantMatter(manifest.tenant(), MatterIndex.key(manifest)), new byte[0],
                        PutCondition.none())
                .then(manifests.create(manifest))
                .map(MatterView::of);
    }

    /**
     * The Matter if it accepts documents now: lets a caller refuse an upload before reading its body. Fails with
     * {@code matter-not-found}, {@code matter-sealed} or {@code too-many-documents}; {@link #addDocument} checks again.
     */
    public Mono<MatterView> acceptingDocuments(String matterId) {
        return acceptingDocuments(properties.defaultTenant(), matterId);
    }

    /** {@link #acceptingDocuments(String)} for a Matter of {@code tenant}. */
    public Mono<MatterView> acceptingDocuments(String tenant, String matterId) {
        return Mono.defer(() -> manifests.read(Ids.require("matterId", matterId), tenant))
                .doOnNext(this::requireAcceptsDocuments)
                .map(MatterView::of);
    }

    /**
     * Streams a document into an open Matter. The content is written to the blob store as it arrives, counted on the
     * way: past the configured maximum the upload is cut off ({@code document-too-large}) and whatever was written is
     * deleted; an empty upload fails with {@code empty-document}. A Matter sealed while the upload streamed refuses
     * it ({@code matter-sealed}) and the stored bytes are deleted.
     *
     * @param fileName the uploader's file name; only its last path segment is kept, as a label
     * @param declaredContentType the uploader's claim; may be null
     * @param content the bytes, consumed once; buffers are not retained after they were written
     */
    public Mono<DocumentView> addDocument(String matterId, String fileName, String declaredContentType,
            Flux<ByteBuffer> content) {
        return upload(properties.defaultTenant(), matterId, fileName, declaredContentType, content);
    }

    /** {@link #addDocument(String, String, String, Flux)} for a Matter of {@code tenant}: a new document id. */
    public Mono<DocumentView> upload(String tenant, String matterId, String fileName, String declaredContentType,
            Flux<ByteBuffer> content) {
        return Mono.defer(() -> {
            String id = Ids.require("matterId", matterId);
            String name = cleanFileName(fileName);
            String contentType = cleanContentType(declaredContentType);
            // Refuse early, before reading a possibly large body into a Matter that cannot take it; the manifest
            // update below checks again, since the Matter may be sealed while the body streams.
            return manifests.read(id, tenant)
                    .doOnNext(this::requireAcceptsDocuments)
                    .then(Mono.defer(() -> storeDocument(tenant, id, Ids.newDocumentId(), name, contentType, content,
                            PutCondition.ifAbsent())));
        }).checkpoint("add document to Matter " + matterId);
    }

    /**
     * Adds a document that is already in the blob store (an upstream producer put it there) by copying it into the
     * Matter; the source blob is left as it is. Idempotent for a given {@code documentId}: when the Matter already
     * has that document, it is returned and nothing is copied. Fails with {@code source-not-found} when the source
     * blob does not exist, {@code document-too-large} when it is larger than the limit.
     *
     * @param documentId the id the document gets (derived by the caller from its request id, so a repeat is a no-op)
     */
    public Mono<DocumentView> copyDocument(String tenant, String matterId, String documentId, String sourcePath,
            String fileName, String declaredContentType) {
        return Mono.defer(() -> {
            String name = fileName == null ? sourcePath.substring(sourcePath.lastIndexOf('/') + 1) : fileName;
            long limit = properties.maxDocumentSize().toBytes();
            // The size is checked before reading; addDocument counts again while copying (the blob may change).
            Flux<ByteBuffer> content = blobs.stat(sourcePath)
                    .switchIfEmpty(Mono.error(() -> new NotFoundException("source-not-found",
                            "No blob at " + sourcePath)))
                    .flatMapMany(source -> source.size() > limit
                            ? Flux.error(new TooLargeException("document-too-large", "The blob " + sourcePath + " of "
                                    + source.size() + " bytes is larger than the limit of " + limit + " bytes"))
                            : blobs.get(sourcePath));
            return addDocument(tenant, matterId, documentId, name, declaredContentType, content);
        }).checkpoint("copy " + sourcePath + " into Matter " + matterId);
    }

    /**
     * Creates an open Matter with the caller's id, or emits it when it exists already: for callers that learn a
     * Matter's id from outside and may learn it twice (the Blob-upload trigger reads it from the inbox path). Fails with
     * {@code invalid-id}, {@code invalid-name}, or {@code matter-not-found} when another tenant's Matter has the id.
     */
    public Mono<MatterView> createIfAbsent(String matterId, String name) {
        return createIfAbsent(properties.defaultTenant(), matterId, name);
    }

    /** {@link #createIfAbsent(String, String)} for a Matter of {@code tenant}. */
    public Mono<MatterView> createIfAbsent(String tenant, String matterId, String name) {
        return Mono.defer(() -> {
            String owner = Ids.require("tenant", tenant);
            String id = Ids.require("matterId", matterId);
            String label = validName(name);
            return manifests.read(id, owner)
                    .map(MatterView::of)
                    .onErrorResume(MatterService::isMatterNotFound, missing -> blobs.stat(BlobPaths.matterManifest(id))
                            // Another tenant's Matter: reported as missing, never touched.
                            .flatMap(other -> Mono.<MatterView>error(missing))
                            .switchIfEmpty(Mono.defer(() -> createManifest(
                                    MatterManifest.open(id, owner, label, clock.instant()))))
                            // Created by someone else in between: theirs is the Matter.
                            .onErrorResume(MatterService::isPreconditionFailed,
                                    raced -> manifests.read(id, owner).map(MatterView::of)));
        }).checkpoint("create Matter " + matterId);
    }

    /**
     * Streams a document into an open Matter under the caller's document id, idempotently: when the Matter already has
     * a document with this id, emits it without reading {@code content} (even if the Matter was sealed since). For
     * callers that derive the id from something stable, so that a redelivered request never yields a second document
     * (the Blob-upload trigger derives it from the source blob's path and ETag). Limits and failures as
     * {@link #addDocument(String, String, String, Flux)}, plus {@code invalid-id} for a malformed document id.
     *
     * <p>The caller promises that one id always comes with the same bytes. The source is therefore written
     * unconditionally (a retry or a concurrent twin writes the same bytes), and a failed write is not cleaned up
     * (a twin may have recorded the document; an unreferenced source blob is harmless).
     */
    public Mono<DocumentView> addDocument(String matterId, String documentId, String fileName,
            String declaredContentType, Flux<ByteBuffer> content) {
        return addDocument(properties.defaultTenant(), matterId, documentId, fileName, declaredContentType, content);
    }

    /** {@link #addDocument(String, String, String, String, Flux)} for a Matter of {@code tenant}. */
    public Mono<DocumentView> addDocument(String tenant, String matterId, String documentId, String fileName,
            String declaredContentType, Flux<ByteBuffer> content) {
        return Mono.defer(() -> {
            String id = Ids.require("matterId", matterId);
            String docId = Ids.require("documentId", documentId);
            String name = cleanFileName(fileName);
            String contentType = cleanContentType(declaredContentType);
            return manifests.read(id, tenant).flatMap(manifest -> {
                Optional<ManifestDocument> recorded = recordedDocument(manifest, docId);
                if (recorded.isPresent()) {
                    return Mono.just(DocumentView.of(id, recorded.get()));
                }
                requireAcceptsDocuments(manifest);
                UploadGuard guard = new UploadGuard(properties.maxDocumentSize().toBytes(), "Document " + name);
                return blobs.put(BlobPaths.documentSource(id, docId), guard.guard(content), PutCondition.none(),
                                Map.of())
                        .onErrorMap(guard::explain)
                        .flatMap(stored -> recordOnce(tenant, id, new ManifestDocument(docId, name, contentType,
                                stored.size(), clock.instant(), false)));
            });
        }).checkpoint("add document " + documentId + " to Matter " + matterId);
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

    private static boolean isMatterNotFound(Throwable error) {
        return error instanceof NotFoundException missing && "matter-not-found".equals(missing.reason());
    }

    private static boolean isPreconditionFailed(Throwable error) {
        return error instanceof ConflictException conflict && "precondition-failed".equals(conflict.reason());
    }

    /**
     * Seals a Matter: no more documents, and the pipeline learns which documents the Matter has. Sealing an empty
     * Matter is allowed (it ends FAILED).
     *
     * @return {@link SealView#resumed()} false when this call sealed the Matter, true when it completed an earlier
     *     seal whose announcement had failed; a Matter sealed and announced before fails with
     *     {@code matter-already-sealed}
     */
    public Mono<SealView> seal(String matterId) {
        return seal(properties.defaultTenant(), matterId);
    }

    /** {@link #seal(String)} for a Matter of {@code tenant}; a cancelled Matter fails with {@code matter-cancelled}. */
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

    /** The Matter's status, with the progress of each document as far as the pipeline got. */
    public Mono<MatterStatusView> status(String matterId) {
        return status(properties.defaultTenant(), matterId);
    }

    /** {@link #status(String)} of a Matter of {@code tenant}. */
    public Mono<MatterStatusView> status(String tenant, String matterId) {
        return Mono.defer(() -> manifests.read(Ids.require("matterId", matterId), tenant))
                .flatMap(manifest -> readProgress(BlobPaths.matterProgress(manifest.matterId()), MatterProgress.class)
                        .flatMap(progress -> statusOf(manifest, progress)));
    }

    /**
     * Streams the Matter result (JSON) once the Matter reached its final status; before that it fails with
     * {@code result-not-ready}.
     */
    public Flux<ByteBuffer> result(String matterId) {
        return result(properties.defaultTenant(), matterId);
    }

    /** {@link #result(String)} of a Matter of {@code tenant}. */
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
     * Cancels a Matter, open or sealed: no more documents or seal, pages not read yet are skipped, and the Matter ends
     * CANCELLED with a result listing each document's status. Safe to repeat: a repeated (or interrupted) cancel
     * finishes what an earlier one started and changes nothing else. Fails with {@code matter-finished} when the
     * Matter reached another final status first.
     *
     * <p>Order: the progress first (that is where the aggregator learns it, and where a race with the aggregator
     * finishing is decided), then the manifest (no more uploads or seal), then the result, then the announcement on
     * the matters-completed queue.
     */
    public Mono<MatterStatusView> cancel(String tenant, String matterId) {
        return Mono.defer(() -> {
            String id = Ids.require("matterId", matterId);
            Instant now = clock.instant();
            return manifests.read(id, tenant)
                    .then(cancellation.markCancelled(id, now))
                    .flatMap(progress -> manifests.update(id, tenant, manifest -> manifest.cancelled(now))
                            .flatMap(manifest -> Mono.fromCallable(() -> mapper.writeValueAsBytes(
                                            cancellation.result(manifest, progress)))
                                    .flatMap(bytes -> blobs.putBytes(BlobPaths.matterResult(id), bytes,
                                            PutCondition.none())))
                            .then(publish(mattersCompletedQueue, new MatterCompleted(id,
                                    MatterStatus.CANCELLED.name(), BlobPaths.matterResult(id)))))
                    .then(Mono.defer(() -> status(tenant, id)));
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
                    .flatMap(manifest -> readProgress(BlobPaths.matterProgress(id), MatterProgress.class)
                            .flatMap(progress -> {
                                MatterStatus status = matterStatus(manifest, progress);
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
                    .flatMap(manifest -> readProgress(BlobPaths.matterProgress(id), MatterProgress.class)
                            .flatMap(progress -> {
                                if (!(blobs instanceof BlobTiering tiering)) {
                                    return Mono.error(new ConflictException("archive-not-supported", "The "
                                            + "configured blob store has no access tiers; archiving needs Azure "
                                            + "Blob Storage"));
                                }
                                if (!matterStatus(manifest, progress).isFinal()) {
                                    return Mono.error(new ConflictException("matter-not-final", "Matter " + id
                                            + " is not final yet; only a final Matter's sources are archived"));
                                }
                                List<String> sources = manifest.documents().stream()
                                        .map(document -> BlobPaths.documentSource(id, document.documentId()))
                                        .toList();
                                Instant now = clock.instant();
                                return tiering.archive(sources)
                                        .flatMap(moved -> manifests.update(id, tenant, m -> m.archived(now))
                                                .map(archived -> new ArchiveView(id, moved, archived.archivedAt())));
                            }));
        }).checkpoint("archive Matter " + matterId);
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
                                        .onErrorResume(MatterService::isMatterNotFound, gone -> Mono.empty()),
                                        properties.statusReadConcurrency())
                                .collectList()
                                .map(matters -> new MatterPage(matters, next));
                    });
        });
    }

    private Mono<DocumentView> storeDocument(String tenant, String matterId, String documentId, String fileName,
            String contentType, Flux<ByteBuffer> content, PutCondition condition) {
        String source = BlobPaths.documentSource(matterId, documentId);
        UploadGuard guard = new UploadGuard(properties.maxDocumentSize().toBytes(), "Document " + fileName);
        return blobs.put(source, guard.guard(content), condition, Map.of())
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
        return publish(documentsQueue, document.receivedMessage(matterId))
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
                : bus.publishAll(documentsQueue, pending.stream()
                                .map(document -> MessageCodec.encode(document.receivedMessage(matterId)))
                                .toList())
                        .onErrorMap(MatterService::publishFailure)
                        .then(manifests.update(matterId, tenant, manifest -> manifest.withDocumentsPublished(
                                pending.stream().map(ManifestDocument::documentId).collect(Collectors.toSet()))));
        return documentsAnnounced
                .flatMap(manifest -> publish(resultsQueue, manifest.sealedMessage()))
                .then(manifests.update(matterId, tenant, MatterManifest::withSealPublished));
    }

    private Mono<Void> publish(String queue, PipelineMessage message) {
        return Mono.defer(() -> bus.publish(queue, MessageCodec.encode(message)))
                .onErrorMap(MatterService::publishFailure);
    }

    private static Throwable publishFailure(Throwable error) {
        return error instanceof PipelineException ? error
                : new TransientException("publish-failed", "The message bus did not accept a message; try again",
                        error);
    }

    private Mono<MatterStatusView> statusOf(MatterManifest manifest, Optional<MatterProgress> matterProgress) {
        Map<String, DocumentStatus> settled = matterProgress.map(MatterProgress::settledDocuments).orElse(Map.of());
        boolean cancelled = matterStatus(manifest, matterProgress) == MatterStatus.CANCELLED;
        return Flux.fromIterable(manifest.documents())
                .flatMapSequential(document -> readProgress(
                                BlobPaths.documentProgress(manifest.matterId(), document.documentId()),
                                DocumentProgress.class)
                                .map(progress -> documentStatus(document, progress,
                                        settled.get(document.documentId()), cancelled)),
                        properties.statusReadConcurrency())
                .collectList()
                .map(documents -> {
                    MatterStatus status = matterStatus(manifest, matterProgress);
                    return new MatterStatusView(manifest.matterId(), manifest.name(), manifest.state(), status,
                            manifest.createdAt(), manifest.sealedAt(),
                            matterProgress.map(MatterProgress::completedAt).orElse(null), status.isFinal(),
                            MatterStatusView.Totals.of(documents), documents);
                });
    }

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

    private static DocumentStatusView documentStatus(ManifestDocument document, Optional<DocumentProgress> found,
            DocumentStatus settledStatus, boolean matterCancelled) {
        DocumentProgress progress = found.orElse(null);
        DocumentStatus status = settledStatus != null ? settledStatus
                : progress != null ? progress.status() : DocumentStatus.PENDING;
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
                progress == null ? null : progress.documentFailure());
    }

    /**
     * A progress blob, empty when it does not exist yet. An unreadable one is logged and treated as missing: status
     * is a view, and the aggregator rewrites progress as work settles.
     */
    private <T> Mono<Optional<T>> readProgress(String path, Class<T> type) {
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

    private String validName(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        String label = name.strip();
        if (label.codePointCount(0, label.length()) > properties.maxNameLength()
                || label.codePoints().anyMatch(Character::isISOControl)) {
            throw new BadInputException("invalid-name", "A Matter name must be at most " + properties.maxNameLength()
                    + " characters without control characters");
        }
        return label;
    }

    /** The last path segment, without control characters, bounded: a label, never used as a path. */
    static String cleanFileName(String fileName) {
        if (fileName == null) {
            return DEFAULT_FILE_NAME;
        }
        String lastSegment = fileName.substring(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
        String name = withoutControls(lastSegment).strip();
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            return DEFAULT_FILE_NAME;
        }
        return truncate(name, MAX_FILE_NAME_LENGTH);
    }

    private static String cleanContentType(String contentType) {
        if (contentType == null) {
            return null;
        }
        String cleaned = withoutControls(contentType).strip();
        return cleaned.isEmpty() ? null : truncate(cleaned, MAX_CONTENT_TYPE_LENGTH);
    }

    private static String withoutControls(String text) {
        return text.codePoints()
                .filter(codePoint -> !Character.isISOControl(codePoint))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
    }

    private static String truncate(String text, int maxCodePoints) {
        return text.codePointCount(0, text.length()) <= maxCodePoints ? text
                : text.substring(0, text.offsetByCodePoints(0, maxCodePoints));
    }

    private static ConflictException cancelled(MatterManifest manifest) {
        return new ConflictException("matter-cancelled",
                "Matter " + manifest.matterId() + " was cancelled at " + manifest.cancelledAt());
    }
}
