package io.matterpipeline.bus.kafka;

import io.matterpipeline.bus.DeadLetter;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.TraceContext;
import io.matterpipeline.contract.MessageCodec;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import reactor.util.context.ContextView;

/**
 * Our messages as Kafka records and back. The value is the message body; every header is a UTF-8 string:
 * {@value #ID}, {@code type}, {@code schemaVersion}, {@code traceparent}, the message's other properties, and the
 * adapter's own {@value #DELIVERY_COUNT}, {@value #NOT_BEFORE} (retry topic) and {@value #REASON} /
 * {@value #DESCRIPTION} (dead-letter topic).
 */
final class RecordMapping {

    static final String ID = "id";
    static final String DELIVERY_COUNT = "delivery-count";
    static final String NOT_BEFORE = "not-before";
    static final String REASON = "dead-letter-reason";
    static final String DESCRIPTION = "dead-letter-description";
    /** On a marker record in a dead-letter topic: {@code <partition>:<offset>} of the dead letter it replayed. */
    static final String REPLAYED = "dead-letter-replayed";

    /** Headers that steer the adapter rather than describe the message. */
    private static final Set<String> CONTROL = Set.of(ID, DELIVERY_COUNT, NOT_BEFORE, REPLAYED);

    private RecordMapping() {
    }

    /** A record as a consumer sees it: its id, type, properties and delivery count, decoded from headers. */
    record Decoded(String messageId, String type, Map<String, String> properties, int deliveryCount,
            Instant notBefore) {
    }

    /** The record for an outbound message, keyed as {@code keys} says, with a traceparent. */
    static ProducerRecord<byte[], byte[]> toRecord(String topic, OutboundMessage message, ContextView context,
            KeyPolicy keys) {
        OutboundMessage traced = TraceContext.traced(message, context);
        Headers headers = new RecordHeaders();
        put(headers, ID, traced.messageId());
        traced.properties().forEach((name, value) -> {
            if (value != null && !CONTROL.contains(name)) {
                put(headers, name, value);
            }
        });
        if (traced.type() != null) {
            headers.remove(MessageCodec.TYPE_PROPERTY);
            put(headers, MessageCodec.TYPE_PROPERTY, traced.type());
        }
        return new ProducerRecord<>(topic, null, utf8(keys.keyOf(topic, traced)), traced.body(), headers);
    }

    /**
     * A copy of a received record for another topic: same key, value and headers, with {@code changed} headers
     * replaced (a null value removes one).
     */
    static ProducerRecord<byte[], byte[]> copy(ConsumerRecord<byte[], byte[]> record, String topic,
            Map<String, String> changed) {
        Headers headers = new RecordHeaders();
        for (Header header : record.headers()) {
            if (!changed.containsKey(header.key())) {
                headers.add(header.key(), header.value());
            }
        }
        changed.forEach((name, value) -> {
            if (value != null) {
                put(headers, name, value);
            }
        });
        return new ProducerRecord<>(topic, null, record.key(), record.value(), headers);
    }

    /**
     * Decodes the headers.
     *
     * @throws UndecodableRecordException when a header is not UTF-8 or a control header is malformed
     */
    static Decoded decode(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value() == null ? "" : strictUtf8(header));
        }
        String id = headers.get(ID);
        if (id == null || id.isBlank()) {
            // A foreign producer's record: name it by where it is, so logs and dead letters can point at it.
            id = record.topic() + "-" + record.partition() + "@" + record.offset();
        }
        int deliveryCount = 0;
        Instant notBefore = null;
        try {
            if (headers.containsKey(DELIVERY_COUNT)) {
                deliveryCount = Integer.parseInt(headers.get(DELIVERY_COUNT).trim());
            }
            if (headers.containsKey(NOT_BEFORE)) {
                notBefore = Instant.parse(headers.get(NOT_BEFORE).trim());
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new UndecodableRecordException("Malformed " + DELIVERY_COUNT + " or " + NOT_BEFORE + " header: "
                    + e.getMessage());
        }
        Map<String, String> properties = new LinkedHashMap<>(headers);
        CONTROL.forEach(properties::remove);
        return new Decoded(id, headers.get(MessageCodec.TYPE_PROPERTY), properties, Math.max(0, deliveryCount),
                notBefore);
    }

    /** A record of a dead-letter topic as an operator sees it. */
    static DeadLetter toDeadLetter(String queue, ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value() == null ? "" : lenientUtf8(header.value()));
        }
        String id = headers.getOrDefault(ID, record.topic() + "-" + record.partition() + "@" + record.offset());
        int deliveryCount;
        try {
            deliveryCount = Integer.parseInt(headers.getOrDefault(DELIVERY_COUNT, "0").trim());
        } catch (NumberFormatException e) {
            deliveryCount = 0;
        }
        Map<String, String> properties = new LinkedHashMap<>(headers);
        CONTROL.forEach(properties::remove);
        String reason = headers.get(REASON);
        String description = headers.get(DESCRIPTION);
        if (reason != null) {
            properties.put(DeadLetter.REASON_PROPERTY, reason);
        }
        if (description != null) {
            properties.put(DeadLetter.DESCRIPTION_PROPERTY, description);
        }
        return new DeadLetter(queue, id, headers.get(MessageCodec.TYPE_PROPERTY),
                record.value() == null ? new byte[0] : record.value(), properties, reason, description, deliveryCount,
                Instant.ofEpochMilli(record.timestamp()), record.offset());
    }

    static String position(ConsumerRecord<?, ?> record) {
        return record.partition() + ":" + record.offset();
    }

    static byte[] utf8(String value) {
        return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, utf8(value));
    }

    private static String strictUtf8(Header header) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header.value()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new UndecodableRecordException("Header " + header.key() + " is not UTF-8");
        }
    }

    private static String lenientUtf8(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }

    /** A record the adapter cannot turn into a delivery at all: it goes to the dead-letter topic with this reason. */
    static final class UndecodableRecordException extends RuntimeException {

        static final String REASON = "undecodable-record";

        UndecodableRecordException(String message) {
            super(message);
        }
    }
}
