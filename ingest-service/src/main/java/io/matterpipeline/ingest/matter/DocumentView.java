package io.matterpipeline.ingest.matter;

import java.time.Instant;

/**
 * A document accepted into a Matter: its bytes are stored and it is recorded in the Matter's manifest.
 *
 * @param fileName the uploader's file name without any directory part (a label, never a path)
 * @param declaredContentType what the uploader claimed; may be null, and the page-splitter does not trust it
 */
public record DocumentView(String matterId, String documentId, String fileName, String declaredContentType,
        long sizeBytes, Instant uploadedAt) {

    static DocumentView of(String matterId, MatterManifest.ManifestDocument document) {
        return new DocumentView(matterId, document.documentId(), document.fileName(), document.declaredContentType(),
                document.sizeBytes(), document.uploadedAt());
    }
}
