package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.contract.DocumentFailed;
import io.matterpipeline.contract.DocumentReceived;
import io.matterpipeline.contract.MatterSealed;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.SealedDocument;
import io.matterpipeline.progress.FailureNote;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The ingest service's durable record of a Matter, at {@code BlobPaths.matterManifest}. It is the source of truth for
 * which documents a Matter has and whether it was sealed; every change is an ETag compare-and-swap, so concurrent
 * uploads and a seal never lose each other's writes. The {@code published} flags make publishing at-least-once: a
 * message whose flag is still false after a crash is published again on seal (deterministic message ids make the
 * repeat harmless).
 *
 * @param tenant the owner; a caller of another tenant sees the Matter as missing
 * @param sealedAt null while open
 * @param sealPublished true once {@link MatterSealed} was accepted by the bus
 * @param cancelledAt when a user cancelled the Matter; null unless cancelled
 * @param archivedAt when the Matter's source documents were moved to the infrequent-access tier; null before
 */
record MatterManifest(
        String matterId,
        String tenant,
        String name,
        Instant createdAt,
        MatterState state,
        List<ManifestDocument> documents,
        Instant sealedAt,
        boolean sealPublished,
        Instant cancelledAt,
        Instant archivedAt) {

    MatterManifest {
        documents = documents == null ? List.of() : List.copyOf(documents);
    }

    static MatterManifest open(String matterId, String tenant, String name, Instant createdAt) {
        return new MatterManifest(matterId, tenant, name, createdAt, MatterState.OPEN, List.of(), null, false, null,
                null);
    }

    /** True once no more documents can be added: sealed, or cancelled after a seal. */
    boolean isSealed() {
        return sealedAt != null || state == MatterState.SEALED;
    }

    boolean isCancelled() {
        return state == MatterState.CANCELLED;
    }

    boolean hasDocument(String documentId) {
        return documents.stream().anyMatch(d -> d.documentId().equals(documentId));
    }

    MatterManifest withDocument(ManifestDocument document) {
        List<ManifestDocument> all = new ArrayList<>(documents);
        all.add(document);
        return new MatterManifest(matterId, tenant, name, createdAt, state, all, sealedAt, sealPublished, cancelledAt,
                archivedAt);
    }

    MatterManifest withDocumentsPublished(Set<String> documentIds) {
        List<ManifestDocument> all = documents.stream()
                .map(d -> documentIds.contains(d.documentId()) ? d.asPublished() : d)
                .toList();
        return new MatterManifest(matterId, tenant, name, createdAt, state, all, sealedAt, sealPublished, cancelledAt,
                archivedAt);
    }

    MatterManifest sealed(Instant at) {
        return new MatterManifest(matterId, tenant, name, createdAt, MatterState.SEALED, documents, at, false,
                cancelledAt, archivedAt);
    }

    MatterManifest withSealPublished() {
        return new MatterManifest(matterId, tenant, name, createdAt, state, documents, sealedAt, true, cancelledAt,
                archivedAt);
    }

    /** Cancelled at {@code at}; a Matter cancelled before keeps its first cancellation time. */
    MatterManifest cancelled(Instant at) {
        if (isCancelled()) {
            return this;
        }
        return new MatterManifest(matterId, tenant, name, createdAt, MatterState.CANCELLED, documents, sealedAt,
                sealPublished, at, archivedAt);
    }

    MatterManifest archived(Instant at) {
        return new MatterManifest(matterId, tenant, name, createdAt, state, documents, sealedAt, sealPublished,
                cancelledAt, archivedAt == null ? at : archivedAt);
    }

    List<ManifestDocument> unpublishedDocuments() {
        return documents.stream().filter(d -> !d.published()).toList();
    }

    MatterSealed sealedMessage() {
        return new MatterSealed(matterId, documents.stream()
                .map(d -> new SealedDocument(d.documentId(), d.fileName()))
                .toList());
    }

    /**
     * One uploaded document, or one that was asked for and could not be added.
     *
     * @param published true once its announcement (see {@link #announcement}) was accepted by the bus
     * @param failure why the document could not be added (an {@code add-document} request or a Blob event given up
     *     on, with the dead letter's reason); null for a document whose bytes are stored. Such a document has no
     *     source blob: it is announced as {@link DocumentFailed} on the results queue, not to the page-splitter
     */
    record ManifestDocument(
            String documentId,
            String fileName,
            String declaredContentType,
            long sizeBytes,
            Instant uploadedAt,
            boolean published,
            FailureNote failure) {

        ManifestDocument(String documentId, String fileName, String declaredContentType, long sizeBytes,
                Instant uploadedAt, boolean published) {
            this(documentId, fileName, declaredContentType, sizeBytes, uploadedAt, published, null);
        }

        ManifestDocument asPublished() {
            return new ManifestDocument(documentId, fileName, declaredContentType, sizeBytes, uploadedAt, true,
                    failure);
        }

        /** DocumentReceived for the page-splitter, or DocumentFailed for the aggregator. */
        PipelineMessage announcement(String matterId) {
            return failure == null
                    ? new DocumentReceived(matterId, documentId, fileName,
                            BlobPaths.documentSource(matterId, documentId), sizeBytes, declaredContentType)
                    : new DocumentFailed(matterId, documentId, failure.reason(), failure.description());
        }
    }
}
