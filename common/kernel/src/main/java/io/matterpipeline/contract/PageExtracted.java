package io.matterpipeline.contract;

/**
 * A page was read; its {@link PageExtraction} is durable at {@code extractionBlob}. Queue {@code results}.
 */
public record PageExtracted(String matterId, String documentId, int pageNumber, String extractionBlob) implements PipelineMessage {

    /** The type discriminator on the wire. */
    public static final String TYPE = "page-extracted";

    @Override
    public String messageId() {
        return "page-extracted:" + matterId + ":" + documentId + ":" + pageNumber;
    }

    @Override
    public String type() {
        return TYPE;
    }
}
