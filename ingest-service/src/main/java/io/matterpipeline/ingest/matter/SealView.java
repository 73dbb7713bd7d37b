package io.matterpipeline.ingest.matter;

import java.time.Instant;

/**
 * The outcome of sealing a Matter.
 *
 * @param documentCount the documents the sealed Matter holds (no more can be added)
 * @param resumed false when this call sealed the Matter; true when the Matter had been sealed before but its
 *     announcement had not reached the bus, and this call published it
 */
public record SealView(String matterId, Instant sealedAt, int documentCount, boolean resumed) {
}
