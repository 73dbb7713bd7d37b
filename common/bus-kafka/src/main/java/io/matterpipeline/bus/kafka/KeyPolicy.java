package io.matterpipeline.bus.kafka;

import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.contract.MessageCodec;
import java.util.Set;

/**
 * Which key a record gets, and so its partition. Records of a matter-keyed queue are keyed by the message's
 * {@code matterId} property: everything about one Matter lands in one partition, read by one consumer in publication
 * order (the aggregator folds a Matter's results in one instance, one writer of its progress). Every other queue is
 * keyed by message id, spreading work (pages) evenly over partitions and so over competing instances; the same
 * message published twice lands in the same partition.
 */
final class KeyPolicy {

    private final Set<String> matterKeyedQueues;

    KeyPolicy(Set<String> matterKeyedQueues) {
        this.matterKeyedQueues = Set.copyOf(matterKeyedQueues);
    }

    String keyOf(String topic, OutboundMessage message) {
        if (matterKeyedQueues.contains(topic)) {
            String matterId = message.properties().get(MessageCodec.MATTER_ID_PROPERTY);
            if (matterId != null && !matterId.isBlank()) {
                return matterId;
            }
        }
        return message.messageId();
    }
}
