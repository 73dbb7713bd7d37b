package io.matterpipeline.metering;

/**
 * What a {@link PortCounter} counted: every request a service made through the blob store and message bus ports.
 * Counted at subscription, so a retried request counts once per attempt, as the broker or the storage account sees it.
 *
 * @param blobReads whole-blob reads and streamed gets
 * @param blobWrites puts, conditional or not (a refused conditional put counts too)
 * @param blobConditionalWrites those of the puts with an {@code If-Match} or {@code If-None-Match} condition
 * @param blobStats metadata look-ups (HEAD)
 * @param blobLists list calls
 * @param blobDeletes delete calls (one call may delete many blobs)
 * @param blobTiers calls moving blobs to another access tier
 * @param casConflicts conditional puts refused because the blob changed or existed ({@code precondition-failed})
 * @param busSends publish calls, one per {@code publish} and one per {@code publishAll} (a batch is one send)
 * @param busMessagesSent messages in those sends
 * @param busReceives deliveries handed to a consumer
 * @param busSettlements completes, abandons and dead-letterings
 * @param busLockRenewals lock renewals
 */
public record PortCounts(
        long blobReads,
        long blobWrites,
        long blobConditionalWrites,
        long blobStats,
        long blobLists,
        long blobDeletes,
        long blobTiers,
        long casConflicts,
        long busSends,
        long busMessagesSent,
        long busReceives,
        long busSettlements,
        long busLockRenewals) {

    /** Nothing counted. */
    public static final PortCounts ZERO = new PortCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Every request to the blob store. */
    public long blobRequests() {
        return blobReads + blobWrites + blobStats + blobLists + blobDeletes + blobTiers;
    }

    /** Every operation on the broker: sends, receives, settlements and lock renewals. */
    public long busOperations() {
        return busSends + busReceives + busSettlements + busLockRenewals;
    }

    /** The share of conditional writes that lost a race (0 without conditional writes). */
    public double casConflictShare() {
        return blobConditionalWrites == 0 ? 0 : (double) casConflicts / blobConditionalWrites;
    }

    /** What was counted since {@code earlier}. */
    public PortCounts minus(PortCounts earlier) {
        return new PortCounts(blobReads - earlier.blobReads, blobWrites - earlier.blobWrites,
                blobConditionalWrites - earlier.blobConditionalWrites, blobStats - earlier.blobStats, blobLists - earlier.blobLists, blobDeletes - earlier.blobDeletes,
                blobTiers - earlier.blobTiers, casConflicts - earlier.casConflicts, busSends - earlier.busSends,
                busMessagesSent - earlier.busMessagesSent, busReceives - earlier.busReceives,
                busSettlements - earlier.busSettlements, busLockRenewals - earlier.busLockRenewals);
    }
}
