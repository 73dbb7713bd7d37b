package io.matterpipeline.contract;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Several pages of one Matter were read: the {@link PageExtracted} facts a worker announced close together, in one
 * message (one send, and one delivery and one settlement at the aggregator, instead of one per page). Queue
 * {@code results}. The pages may belong to different documents of the Matter.
 *
 * <p>Each page carries the {@code traceparent} its own fact would have travelled with, so the aggregator handles each
 * fact in the trace of its page. The aggregator settles the message once every fact in it is recorded; a reader
 * still accepts single {@link PageExtracted} messages (workers of an older version, and a batch of one).
 *
 * @param matterId the Matter of every page
 * @param pages the facts, in the order they were announced
 */
public record PagesExtracted(String matterId, List<Page> pages) implements PipelineMessage {

    /** The type discriminator on the wire. */
    public static final String TYPE = "pages-extracted";

    private static final HexFormat HEX = HexFormat.of();

    public PagesExtracted {
        pages = pages == null ? List.of() : List.copyOf(pages);
    }

    /**
     * One page's fact in the batch.
     *
     * @param traceparent the W3C traceparent of the handling that read the page; null when unknown
     */
    public record Page(String documentId, int pageNumber, String extractionBlob, String traceparent) {

        /** The single fact this entry stands for. */
        public PageExtracted fact(String matterId) {
            return new PageExtracted(matterId, documentId, pageNumber, extractionBlob);
        }
    }

    /** The facts of the batch, as single messages. */
    public List<PageExtracted> facts() {
        List<PageExtracted> facts = new ArrayList<>(pages.size());
        for (Page page : pages) {
            facts.add(page.fact(matterId));
        }
        return facts;
    }

    /**
     * {@code pages-extracted:{m}:{digest of the pages' documents and numbers}}: the same facts always give the same
     * id (a send retried after a timeout is the same message to the broker's duplicate detection).
     */
    @Override
    public String messageId() {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
        for (Page page : pages) {
            digest.update((page.documentId() + ':' + page.pageNumber() + ';').getBytes(StandardCharsets.UTF_8));
        }
        // 128 bits in 32 hex digits: the id stays below Service Bus's 128 characters with a 64-character Matter id.
        return "pages-extracted:" + matterId + ":" + HEX.formatHex(digest.digest(), 0, 16);
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** The single facts a message stands for: a batch's facts, or the message itself. */
    public static List<PipelineMessage> factsOf(PipelineMessage message) {
        return message instanceof PagesExtracted batch ? List.<PipelineMessage>copyOf(batch.facts()) : List.of(message);
    }
}
