package io.matterpipeline.metering;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.MessageBus;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the requests that pass through the blob store and message bus ports, so a benchmark (or an operator) sees
 * round trips where they are made rather than estimating them from the code: wrap the port with {@link #count} and
 * read {@link #snapshot()}. The decorators keep the optional capabilities of what they wrap
 * ({@link io.matterpipeline.blob.BlobTiering}, {@link io.matterpipeline.bus.DeadLetters}, {@link AutoCloseable}).
 *
 * <p>With {@code matter-pipeline.metering.enabled=true} the kernel's auto-configuration wraps the context's
 * {@link BlobStore} and {@link MessageBus} beans and provides the counter as a bean. Counting costs an atomic add per
 * request.
 */
public final class PortCounter {

    final LongAdder blobReads = new LongAdder();
    final LongAdder blobWrites = new LongAdder();
    final LongAdder blobConditionalWrites = new LongAdder();
    final LongAdder blobStats = new LongAdder();
    final LongAdder blobLists = new LongAdder();
    final LongAdder blobDeletes = new LongAdder();
    final LongAdder blobTiers = new LongAdder();
    final LongAdder casConflicts = new LongAdder();
    final LongAdder busSends = new LongAdder();
    final LongAdder busMessagesSent = new LongAdder();
    final LongAdder busReceives = new LongAdder();
    final LongAdder busSettlements = new LongAdder();
    final LongAdder busLockRenewals = new LongAdder();

    /** The store, counting every request into this counter. */
    public BlobStore count(BlobStore store) {
        return CountingBlobStore.wrap(store, this);
    }

    /** The bus, counting every operation (and every operation on its deliveries) into this counter. */
    public MessageBus count(MessageBus bus) {
        return CountingMessageBus.wrap(bus, this);
    }

    /** The counts so far. */
    public PortCounts snapshot() {
        return new PortCounts(blobReads.sum(), blobWrites.sum(), blobConditionalWrites.sum(), blobStats.sum(),
                blobLists.sum(), blobDeletes.sum(), blobTiers.sum(), casConflicts.sum(), busSends.sum(),
                busMessagesSent.sum(), busReceives.sum(), busSettlements.sum(), busLockRenewals.sum());
    }
}
