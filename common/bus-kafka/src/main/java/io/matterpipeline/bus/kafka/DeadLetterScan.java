package io.matterpipeline.bus.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a dead-letter topic from its beginning to its end as of the start of the scan (a blocking call: run it on a
 * bounded-elastic thread). A consumer without a group: an operator's look commits nothing.
 */
final class DeadLetterScan {

    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration SCAN_TIMEOUT = Duration.ofSeconds(60);

    private DeadLetterScan() {
    }

    /** The dead letters not yet replayed (markers and the records they name left out), oldest first. */
    static List<ConsumerRecord<byte[], byte[]>> pending(Map<String, Object> clientConfig, String topic, int limit) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        Set<String> replayed = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, SCAN_TIMEOUT).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, SCAN_TIMEOUT);
            Instant deadline = Instant.now().plus(SCAN_TIMEOUT);
            int scanned = 0;
            while (scanned < limit && !reachedEnd(consumer, end) && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    if (record.offset() >= end.get(new TopicPartition(topic, record.partition()))) {
                        continue;
                    }
                    scanned++;
                    Header marker = record.headers().lastHeader(RecordMapping.REPLAYED);
                    if (marker != null) {
                        replayed.add(record.partition() + ":" + new String(marker.value(),
                                java.nio.charset.StandardCharsets.UTF_8).replaceFirst("^\\d+:", ""));
                    } else {
                        records.add(record);
                    }
                }
            }
        }
        return records.stream()
                .filter(record -> !replayed.contains(RecordMapping.position(record)))
                .sorted(Comparator.<ConsumerRecord<byte[], byte[]>>comparingLong(ConsumerRecord::timestamp)
                        .thenComparingInt(ConsumerRecord::partition)
                        .thenComparingLong(ConsumerRecord::offset))
                .toList();
    }

    /** The marker saying a dead letter was replayed: in its partition, naming its offset. */
    static ProducerRecord<byte[], byte[]> marker(ConsumerRecord<byte[], byte[]> replayed) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(RecordMapping.REPLAYED, RecordMapping.utf8(RecordMapping.position(replayed)));
        Header id = replayed.headers().lastHeader(RecordMapping.ID);
        if (id != null) {
            headers.add(RecordMapping.ID, id.value());
        }
        return new ProducerRecord<>(replayed.topic(), replayed.partition(), replayed.key(), new byte[0], headers);
    }

    private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
            if (consumer.position(entry.getKey()) < entry.getValue()) {
                return false;
            }
        }
        return true;
    }
}
