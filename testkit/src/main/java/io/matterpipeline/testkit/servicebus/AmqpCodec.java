package io.matterpipeline.testkit.servicebus;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Data;
import org.apache.qpid.proton.amqp.messaging.DeliveryAnnotations;
import org.apache.qpid.proton.amqp.messaging.Header;
import org.apache.qpid.proton.amqp.messaging.MessageAnnotations;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.codec.AMQPDefinedTypes;
import org.apache.qpid.proton.codec.DecoderImpl;
import org.apache.qpid.proton.codec.EncoderImpl;
import org.apache.qpid.proton.codec.WritableBuffer;
import org.apache.qpid.proton.message.Message;

/**
 * Encodes and decodes AMQP sections while keeping the sender's bytes: a stored message is the list of its raw
 * sections, so properties, application properties, body and footer travel back to receivers byte for byte.
 * Not thread-safe; each emulator uses its own instance on its event loop.
 */
final class AmqpCodec {

    /** Message format of a Service Bus batch: one Data section per inner, fully encoded message. */
    static final int BATCH_MESSAGE_FORMAT = 0x80013700;

    private final DecoderImpl decoder = new DecoderImpl();
    private final EncoderImpl encoder = new EncoderImpl(decoder);

    AmqpCodec() {
        AMQPDefinedTypes.registerAllTypes(decoder, encoder);
    }

    /** Encodes the given AMQP objects one after the other. */
    byte[] encode(Object... objects) {
        return encodeGrowing(buffer -> {
            encoder.setByteBuffer(buffer);
            try {
                for (Object object : objects) {
                    encoder.writeObject(object);
                }
            } finally {
                encoder.setByteBuffer((WritableBuffer) null);
            }
        });
    }

    /** Encodes a whole message (request/response replies). */
    static byte[] encode(Message message) {
        return encodeGrowing(message::encode);
    }

    /** Encodes into a heap buffer, doubling it until the encoding fits. */
    private static byte[] encodeGrowing(Consumer<WritableBuffer> writer) {
        int size = 1024;
        while (true) {
            ByteBuffer buffer = ByteBuffer.allocate(size);
            try {
                writer.accept(new WritableBuffer.ByteBufferWrapper(buffer));
                byte[] bytes = new byte[buffer.position()];
                buffer.flip();
                buffer.get(bytes);
                return bytes;
            } catch (BufferOverflowException e) {
                size *= 2;
            }
        }
    }

    /** Splits an encoded message into its sections, remembering the raw bytes of the bare message. */
    SectionedMessage parse(byte[] bytes) {
        return parse(bytes, 0, bytes.length);
    }

    SectionedMessage parse(byte[] bytes, int offset, int length) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
        decoder.setByteBuffer(buffer);
        try {
            Header header = null;
            MessageAnnotations annotations = null;
            Properties properties = null;
            ApplicationProperties applicationProperties = null;
            byte[] rawProperties = new byte[0];
            byte[] rawApplicationProperties = new byte[0];
            List<Object> body = new ArrayList<>();
            int bodyStart = -1;
            while (buffer.hasRemaining()) {
                int start = buffer.position();
                Object section = decoder.readObject();
                int end = buffer.position();
                if (bodyStart >= 0) {
                    body.add(section);
                } else if (section instanceof Header h) {
                    header = h;
                } else if (section instanceof DeliveryAnnotations) {
                    // Hop-by-hop: never forwarded.
                } else if (section instanceof MessageAnnotations ma) {
                    annotations = ma;
                } else if (section instanceof Properties p) {
                    properties = p;
                    rawProperties = slice(bytes, start, end);
                } else if (section instanceof ApplicationProperties ap) {
                    applicationProperties = ap;
                    rawApplicationProperties = slice(bytes, start, end);
                } else {
                    bodyStart = start;
                    body.add(section);
                }
            }
            byte[] rawBody = bodyStart < 0 ? new byte[0] : slice(bytes, bodyStart, offset + length);
            return new SectionedMessage(header, annotations, properties, applicationProperties, rawProperties,
                    rawApplicationProperties, rawBody, body);
        } finally {
            decoder.setByteBuffer(null);
        }
    }

    /** The inner messages of a batch transfer (format 0x80013700): each Data section is one encoded message. */
    List<SectionedMessage> unbatch(SectionedMessage envelope) {
        List<SectionedMessage> messages = new ArrayList<>();
        for (Object section : envelope.bodySections()) {
            if (section instanceof Data data) {
                Binary binary = data.getValue();
                messages.add(parse(binary.getArray(), binary.getArrayOffset(), binary.getLength()));
            }
        }
        return messages;
    }

    private static byte[] slice(byte[] bytes, int from, int to) {
        byte[] slice = new byte[to - from];
        System.arraycopy(bytes, from, slice, 0, slice.length);
        return slice;
    }

    /**
     * The delivery tag of a peek-lock delivery: the lock token in the byte order of .NET's {@code Guid.ToByteArray}
     * (first three groups little-endian), which is what the SDK converts back into a UUID.
     */
    static byte[] lockTokenTag(UUID token) {
        ByteBuffer bigEndian = ByteBuffer.allocate(16)
                .putLong(token.getMostSignificantBits())
                .putLong(token.getLeastSignificantBits());
        byte[] b = bigEndian.array();
        return new byte[] {b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6],
                b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]};
    }

    /** A message split into sections; the raw arrays are the exact bytes the sender encoded. */
    record SectionedMessage(Header header, MessageAnnotations annotations, Properties properties,
                            ApplicationProperties applicationProperties, byte[] rawProperties,
                            byte[] rawApplicationProperties, byte[] rawBody, List<Object> bodySections) {
    }
}
