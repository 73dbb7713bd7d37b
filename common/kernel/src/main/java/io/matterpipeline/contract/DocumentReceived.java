package io.matterpipeline.contract;

/**
 * A document was stored and awaits splitting. Queue {@code documents}, consumed by the page-splitter.
 *
 * @param sourceBlob the blob path of the original bytes
 * @param declaredContentType what the uploader claimed (may be null or wrong; the splitter sniffs the content)
 */
public record DocumentReceived(String matterId, String documentId, String fileName, String sourceBlob, long sizeBytes, String declaredContentType) implements PipelineMessage {

    /** The type discriminator on the wire. */
    public static final String TYPE = "document-received";

    @Override
    public String messageId() {
        return "document-received:" + matterId + ":" + documentId;
    }

    @Override
    public String type() {
        return TYPE;
    }
}
