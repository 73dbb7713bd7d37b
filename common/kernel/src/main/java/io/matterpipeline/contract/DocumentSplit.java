package io.matterpipeline.contract;

/**
 * A document was split into {@code pageCount} pages whose PageTasks are already published. Queue {@code results}.
 *
 * @param kind the detected document kind: {@code pdf}, {@code analyze-result} or {@code text}
 * @param averageWordConfidence the mean OCR word confidence over the document, null when unknown (not OCR input)
 */
public record DocumentSplit(String matterId, String documentId, String kind, int pageCount, Double averageWordConfidence) implements PipelineMessage {

    /** The type discriminator on the wire. */
    public static final String TYPE = "document-split";

    @Override
    public String messageId() {
        return "document-split:" + matterId + ":" + documentId;
    }

    @Override
    public String type() {
        return TYPE;
    }
}
