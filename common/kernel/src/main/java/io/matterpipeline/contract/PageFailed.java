package io.matterpipeline.contract;

/**
 * A page could not be read once its retry budget was spent; its document and Matter end PARTIAL. Queue
 * {@code results}.
 */
public record PageFailed(String matterId, String documentId, int pageNumber, String reason, String description) implements PipelineMessage {

    /** The type discriminator on the wire. */
    public static final String TYPE = "page-failed";

    @Override
    public String messageId() {
        return "page-failed:" + matterId + ":" + documentId + ":" + pageNumber;
    }

    @Override
    public String type() {
        return TYPE;
    }
}
