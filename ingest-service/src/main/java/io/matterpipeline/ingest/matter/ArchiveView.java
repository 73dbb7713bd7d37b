package io.matterpipeline.ingest.matter;

import java.time.Instant;

/**
 * The outcome of archiving a final Matter's source documents.
 *
 * @param archivedBlobs source blobs moved to the infrequent-access tier by this call (0 when they were already)
 * @param archivedAt when the Matter was first archived
 */
public record ArchiveView(String matterId, long archivedBlobs, Instant archivedAt) {
}
