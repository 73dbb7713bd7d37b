package io.matterpipeline.progress;

import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The aggregator's record of one document, stored at {@code BlobPaths.documentProgress} and updated with ETag
 * compare-and-swap; the ingest service reads it for status. Pure value: every update returns a new instance, and
 * applying the same fact twice yields an equal instance (idempotent).
 *
 * @param pageCount null until the document was split
 * @param documentFailure non-null when the document could not be split
 */
public record DocumentProgress(
        String matterId,
        String documentId,
        String kind,
        Integer pageCount,
        Double averageWordConfidence,
        SortedSet<Integer> extractedPages,
        SortedMap<Integer, FailureNote> failedPages,
        FailureNote documentFailure) {

    public DocumentProgress {
        extractedPages = extractedPages == null ? new TreeSet<>() : new TreeSet<>(extractedPages);
        failedPages = failedPages == null ? new TreeMap<>() : new TreeMap<>(failedPages);
    }

    /** A document nothing is known about yet. */
    public static DocumentProgress empty(String matterId, String documentId) {
        return new DocumentProgress(matterId, documentId, null, null, null, null, null, null);
    }

    public DocumentProgress withSplit(String kind, int pageCount, Double averageWordConfidence) {
        return new DocumentProgress(matterId, documentId, kind, pageCount, averageWordConfidence, extractedPages,
                failedPages, documentFailure);
    }

    public DocumentProgress withDocumentFailure(FailureNote failure) {
        return new DocumentProgress(matterId, documentId, kind, pageCount, averageWordConfidence, extractedPages,
                failedPages, failure);
    }

    /** Records a page as read. A page already recorded as read stays read; a read page wins over a failure. */
    public DocumentProgress withPageExtracted(int pageNumber) {
        SortedSet<Integer> extracted = new TreeSet<>(extractedPages);
        extracted.add(pageNumber);
        SortedMap<Integer, FailureNote> failed = new TreeMap<>(failedPages);
        failed.remove(pageNumber);
        return new DocumentProgress(matterId, documentId, kind, pageCount, averageWordConfidence, extracted, failed,
                documentFailure);
    }

    /** Records a page as failed, unless it was already read (a late failure of a duplicate does not undo success). */
    public DocumentProgress withPageFailed(int pageNumber, FailureNote failure) {
        if (extractedPages.contains(pageNumber)) {
            return this;
        }
        SortedMap<Integer, FailureNote> failed = new TreeMap<>(failedPages);
        failed.put(pageNumber, failure);
        return new DocumentProgress(matterId, documentId, kind, pageCount, averageWordConfidence, extractedPages,
                failed, documentFailure);
    }

    /** Pages settled either way. */
    public int settledPages() {
        return extractedPages.size() + failedPages.size();
    }

    /** The status derived from the facts recorded so far. */
    public DocumentStatus status() {
        if (documentFailure != null) {
            return DocumentStatus.FAILED;
        }
        if (pageCount == null) {
            return DocumentStatus.PENDING;
        }
        if (settledPages() < pageCount) {
            return DocumentStatus.EXTRACTING;
        }
        if (failedPages.isEmpty()) {
            return DocumentStatus.COMPLETED;
        }
        // Pages without a text layer awaiting OCR are not failures of the pipeline: the document is PARTIAL.
        boolean onlyNeedOcr = failedPages.values().stream().allMatch(FailureNote::needsOcr);
        return extractedPages.isEmpty() && !onlyNeedOcr ? DocumentStatus.FAILED : DocumentStatus.PARTIAL;
    }

    /** The failed page numbers. */
    public Set<Integer> failedPageNumbers() {
        return failedPages.keySet();
    }
}
