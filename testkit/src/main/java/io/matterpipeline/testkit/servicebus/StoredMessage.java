package io.matterpipeline.testkit.servicebus;

import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.UnsignedInteger;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Header;
import org.apache.qpid.proton.amqp.messaging.MessageAnnotations;
import org.apache.qpid.proton.amqp.messaging.Properties;

/**
 * A message held by a queue: the sender's raw bare message plus the broker state Service Bus reports in the header
 * and message annotations.
 */
final class StoredMessage {

    static final Symbol SEQUENCE_NUMBER = Symbol.valueOf("x-opt-sequence-number");
    static final Symbol ENQUEUE_SEQUENCE_NUMBER = Symbol.valueOf("x-opt-enqueue-sequence-number");
    static final Symbol ENQUEUED_TIME = Symbol.valueOf("x-opt-enqueued-time");
    static final Symbol LOCKED_UNTIL = Symbol.valueOf("x-opt-locked-until");
    static final Symbol SCHEDULED_ENQUEUE_TIME = Symbol.valueOf("x-opt-scheduled-enqueue-time");
    static final Symbol DEAD_LETTER_SOURCE = Symbol.valueOf("x-opt-deadletter-source");
    static final Symbol MESSAGE_STATE = Symbol.valueOf("x-opt-message-state");

    enum State {
        ACTIVE(0), DEFERRED(1), SCHEDULED(2);

        final int code;

        State(int code) {
            this.code = code;
        }
    }

    private final Header senderHeader;
    private final Map<Symbol, Object> senderAnnotations;
    private final byte[] rawProperties;
    private byte[] rawApplicationProperties;
    private Map<String, Object> applicationProperties;
    private final byte[] rawBody;
    private final String messageId;

    long sequenceNumber;
    Instant enqueuedTime;
    int deliveryCount;
    State state = State.ACTIVE;
    String deadLetterSource;

    private StoredMessage(Header senderHeader, Map<Symbol, Object> senderAnnotations, byte[] rawProperties,
                          byte[] rawApplicationProperties, Map<String, Object> applicationProperties, byte[] rawBody,
                          String messageId) {
        this.senderHeader = senderHeader;
        this.senderAnnotations = senderAnnotations;
        this.rawProperties = rawProperties;
        this.rawApplicationProperties = rawApplicationProperties;
        this.applicationProperties = applicationProperties;
        this.rawBody = rawBody;
        this.messageId = messageId;
    }

    /**
     * Stores a sent message. Like Service Bus, the broker assigns a MessageId (32 hex digits) when the sender set
     * none; only then is the properties section re-encoded, otherwise the sender's bytes are kept.
     */
    static StoredMessage from(AmqpCodec.SectionedMessage sections, AmqpCodec codec) {
        Map<Symbol, Object> annotations = new LinkedHashMap<>();
        if (sections.annotations() != null && sections.annotations().getValue() != null) {
            annotations.putAll(sections.annotations().getValue());
        }
        Map<String, Object> applicationProperties = new LinkedHashMap<>();
        if (sections.applicationProperties() != null && sections.applicationProperties().getValue() != null) {
            applicationProperties.putAll(sections.applicationProperties().getValue());
        }
        Properties properties = sections.properties();
        byte[] rawProperties = sections.rawProperties();
        if (properties == null || properties.getMessageId() == null) {
            Properties assigned = properties == null ? new Properties() : new Properties(properties);
            assigned.setMessageId(UUID.randomUUID().toString().replace("-", ""));
            properties = assigned;
            rawProperties = codec.encode(assigned);
        }
        return new StoredMessage(sections.header(), annotations, rawProperties,
                sections.rawApplicationProperties(), applicationProperties, sections.rawBody(),
                properties.getMessageId().toString());
    }

    /** A copy for another entity (the dead-letter queue), keeping the sender's sections and the delivery count. */
    StoredMessage copy() {
        StoredMessage copy = new StoredMessage(senderHeader, new LinkedHashMap<>(senderAnnotations), rawProperties,
                rawApplicationProperties, new LinkedHashMap<>(applicationProperties), rawBody, messageId);
        copy.deliveryCount = deliveryCount;
        copy.enqueuedTime = enqueuedTime;
        return copy;
    }

    String messageId() {
        return messageId;
    }

    /**
     * The message as its sender sent it, with its application properties as they are now (a dead-letter reason
     * added, say): what the journal keeps, and what {@link #restore} reads back.
     */
    byte[] senderBytes(AmqpCodec codec) {
        byte[] head = senderHeader == null ? codec.encode(new MessageAnnotations(senderAnnotations))
                : codec.encode(senderHeader, new MessageAnnotations(senderAnnotations));
        return withBareMessage(head);
    }

    /** A message read back from the journal, with the broker state it had. */
    static StoredMessage restore(Journal.Entry entry, AmqpCodec codec) {
        StoredMessage message = from(codec.parse(entry.message()), codec);
        message.sequenceNumber = entry.sequenceNumber();
        message.state = entry.state();
        message.deliveryCount = entry.deliveryCount();
        message.enqueuedTime = entry.enqueuedTime();
        message.deadLetterSource = entry.deadLetterSource();
        return message;
    }

    Map<String, Object> applicationProperties() {
        return applicationProperties;
    }

    /** When the sender asked for delayed delivery (annotation {@code x-opt-scheduled-enqueue-time}), else null. */
    Instant requestedEnqueueTime() {
        Object value = senderAnnotations.get(SCHEDULED_ENQUEUE_TIME);
        return value instanceof Date date ? date.toInstant() : null;
    }

    /** Adds or replaces application properties; only then is that section re-encoded. */
    void modifyApplicationProperties(Map<String, ?> changes, AmqpCodec codec) {
        if (changes == null || changes.isEmpty()) {
            return;
        }
        applicationProperties.putAll(changes);
        rawApplicationProperties = codec.encode(new ApplicationProperties(new LinkedHashMap<>(applicationProperties)));
    }

    /** The message as a receiver sees it: fresh header and annotations, then the sender's bytes. */
    byte[] encode(AmqpCodec codec, Instant lockedUntil) {
        Header header = new Header();
        if (senderHeader != null) {
            header.setDurable(senderHeader.getDurable());
            header.setPriority(senderHeader.getPriority());
            header.setTtl(senderHeader.getTtl());
        }
        header.setDeliveryCount(UnsignedInteger.valueOf(deliveryCount));
        Map<Symbol, Object> annotations = new LinkedHashMap<>(senderAnnotations);
        annotations.put(SEQUENCE_NUMBER, sequenceNumber);
        annotations.put(ENQUEUE_SEQUENCE_NUMBER, sequenceNumber);
        annotations.put(ENQUEUED_TIME, Date.from(enqueuedTime));
        annotations.put(MESSAGE_STATE, state.code);
        if (lockedUntil != null) {
            annotations.put(LOCKED_UNTIL, Date.from(lockedUntil));
        }
        if (deadLetterSource != null) {
            annotations.put(DEAD_LETTER_SOURCE, deadLetterSource);
        }
        byte[] head = codec.encode(header, new MessageAnnotations(annotations));
        return withBareMessage(head);
    }

    /** {@code head} (header and annotations) followed by the sender's bare message as it now is. */
    private byte[] withBareMessage(byte[] head) {
        byte[] bytes = new byte[head.length + rawProperties.length + rawApplicationProperties.length + rawBody.length];
        int at = 0;
        for (byte[] part : new byte[][] {head, rawProperties, rawApplicationProperties, rawBody}) {
            System.arraycopy(part, 0, bytes, at, part.length);
            at += part.length;
        }
        return bytes;
    }
}
