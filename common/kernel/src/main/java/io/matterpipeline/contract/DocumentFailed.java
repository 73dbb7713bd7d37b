package io.matterpipeline.contract;

/**
 * A document could not be split (encrypted, corrupt, empty, unsupported); it ends FAILED. Queue {@code results}.
 *
 * @param reason a stable machine-readable reason such as {@code encrypted-pdf}
 * @param description a human-readable explanation
 */
public record DocumentFailed(String matterId, String documentId, String reason, String description) implements PipelineMessage {

    /** The type discriminator on the wire. */
    public static final String TYPE = "document-failed";

    @Override
    public String messageId() {
        return "document-failed:" + matterId + ":" + documentId;
    }

    @Override
    public String type() {
        return TYPE;
    }
}
