package io.matterpipeline.progress;

import io.matterpipeline.contract.SealedDocument;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The aggregator's record of a Matter, stored at {@code BlobPaths.matterProgress} and updated with ETag
 * compare-and-swap: which documents the sealed Matter has and which of them settled, with what status. Page-level
 * progress lives in each {@link DocumentProgress}, so page results of different documents never contend for one blob.
 *
 * @param documents the sealed Matter's documents; null until the Matter was sealed
 * @param settledDocuments final status per settled document id
 * @param status the Matter's status as far as the aggregator knows
 * @param completedAt when the Matter reached its final state; null before
 * @param sealedAt when the aggregator recorded the seal (the start of {@code matterpipeline.matter.duration}); null
 *     before, and in progress written by versions that did not record it
 */
public record MatterProgress(
        String matterId,
        List<SealedDocument> documents,
        Map<String, DocumentStatus> settledDocuments,
        MatterStatus status,
        Instant completedAt,
        Instant sealedAt) {

    public MatterProgress {
        documents = documents == null ? null : List.copyOf(documents);
        settledDocuments = settledDocuments == null ? new TreeMap<>() : new TreeMap<>(settledDocuments);
        status = status == null ? MatterStatus.OPEN : status;
    }

    /** A progress without a recorded seal time. */
    public MatterProgress(String matterId, List<SealedDocument> documents, Map<String, DocumentStatus> settledDocuments,
            MatterStatus status, Instant completedAt) {
        this(matterId, documents, settledDocuments, status, completedAt, null);
    }

    /** A Matter nothing is known about yet. */
    public static MatterProgress empty(String matterId) {
        return new MatterProgress(matterId, null, null, MatterStatus.OPEN, null);
    }

    /** True once sealed. */
    public boolean isSealed() {
        return documents != null;
    }

    /** Records the seal, at {@code now}: the first seal wins (a redelivered or repeated seal changes nothing). */
    public MatterProgress withSealed(List<SealedDocument> sealedDocuments, Instant now) {
        if (isSealed() || status.isFinal()) {
            return this;
        }
        return new MatterProgress(matterId, sealedDocuments, settledDocuments, MatterStatus.PROCESSING, completedAt,
                now);
    }

    /** Records a settled document's status; a final Matter no longer changes. */
    public MatterProgress withSettledDocument(String documentId, DocumentStatus documentStatus) {
        if (status.isFinal() || documentStatus.equals(settledDocuments.get(documentId))) {
            return this;
        }
        Map<String, DocumentStatus> settled = new TreeMap<>(settledDocuments);
        settled.put(documentId, documentStatus);
        return new MatterProgress(matterId, documents, settled, status, completedAt, sealedAt);
    }

    /** Records the final state; the first final state wins. */
    public MatterProgress withFinalStatus(MatterStatus finalStatus, Instant finishedAt) {
        if (status.isFinal()) {
            return this;
        }
        return new MatterProgress(matterId, documents, settledDocuments, finalStatus, finishedAt, sealedAt);
    }

    /** True when the Matter is sealed and every one of its documents has settled. */
    public boolean allDocumentsSettled() {
        return isSealed() && documents.stream().allMatch(document -> settledDocuments.containsKey(document.documentId()));
    }
}
