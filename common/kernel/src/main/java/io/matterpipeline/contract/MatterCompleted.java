package io.matterpipeline.contract;

/**
 * A sealed Matter reached a final state and its result is durable. Queue {@code matters-completed}, for upstream
 * systems.
 *
 * @param status {@code COMPLETED}, {@code PARTIAL}, {@code FAILED} or {@code CANCELLED}
 */
public record MatterCompleted(String matterId, String status, String resultBlob) implements PipelineMessage {

    /** The type discriminator on the wire. */
    public static final String TYPE = "matter-completed";

    @Override
    public String messageId() {
        return "matter-completed:" + matterId;
    }

    @Override
    public String type() {
        return TYPE;
    }
}
