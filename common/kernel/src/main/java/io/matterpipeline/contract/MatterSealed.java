package io.matterpipeline.contract;

import java.util.List;

/**
 * No more documents will be added to the Matter; these are all of its documents. Queue {@code results}.
 */
public record MatterSealed(String matterId, List<SealedDocument> documents) implements PipelineMessage {

    /** The type discriminator on the wire. */
    public static final String TYPE = "matter-sealed";

    @Override
    public String messageId() {
        return "matter-sealed:" + matterId;
    }

    @Override
    public String type() {
        return TYPE;
    }
}
