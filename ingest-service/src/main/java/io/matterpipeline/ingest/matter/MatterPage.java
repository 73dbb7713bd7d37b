package io.matterpipeline.ingest.matter;

import java.util.List;

/**
 * One page of a tenant's Matters, newest first.
 *
 * @param nextCursor pass it as {@code cursor} for the next page; null on the last page
 */
public record MatterPage(List<MatterView> matters, String nextCursor) {

    public MatterPage {
        matters = List.copyOf(matters);
    }
}
