package io.matterpipeline.ingest.access;

import java.util.List;

/**
 * One page of tokens, in id order.
 *
 * @param nextCursor pass it as {@code cursor} for the next page; null on the last page
 */
public record TokenPage(List<TokenView> tokens, String nextCursor) {

    public TokenPage {
        tokens = List.copyOf(tokens);
    }
}
