package io.matterpipeline.contract;

/**
 * One page to read with the model. Queue {@code pages}, consumed by competing llm-workers.
 *
 * @param pageNumber 1-based page number
 * @param pageBlob the blob path of the page's {@link PageContent}
 */
public record PageTask(String matterId, String documentId, int pageNumber, int pageCount, String pageBlob) implements PipelineMessage {

    /** The type discriminator on the wire. */
    public static final String TYPE = "page-task";

    @Override
    public String messageId() {
        return "page-task:" + matterId + ":" + documentId + ":" + pageNumber;
    }

    @Override
    public String type() {
        return TYPE;
    }
}
