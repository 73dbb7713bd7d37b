package io.matterpipeline.testkit.servicebus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.UnsignedInteger;
import org.apache.qpid.proton.amqp.messaging.AmqpValue;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Data;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.amqp.security.SaslInit;
import org.apache.qpid.proton.amqp.security.SaslMechanisms;
import org.apache.qpid.proton.amqp.transport.Open;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Wire-level facts the SDKs depend on, checked below the SDK: SASL, heartbeats, lock-token tags, raw sections. */
@Timeout(30)
class ServiceBusEmulatorProtocolTests {

    private static final byte[] SASL_HEADER = {'A', 'M', 'Q', 'P', 3, 1, 0, 0};
    private static final byte[] AMQP_HEADER = {'A', 'M', 'Q', 'P', 0, 1, 0, 0};

    @Test
    void offersCbsMechanismsAndSendsEmptyFramesWithinTheClientsIdleTimeout() throws IOException {
        QuietLogs.apply();
        AmqpCodec codec = new AmqpCodec();
        try (ServiceBusEmulator emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueues("pages"));
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), emulator.port())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            SaslInit init = new SaslInit();
            init.setMechanism(Symbol.valueOf("ANONYMOUS"));
            Open open = new Open();
            open.setContainerId("protocol-test");
            open.setHostname("localhost");
            open.setIdleTimeOut(UnsignedInteger.valueOf(1_000));
            // Pipelined like the Java SDK: SASL header and init before having seen the mechanisms.
            out.write(SASL_HEADER);
            out.write(frame(1, codec.encode(init)));
            out.flush();

            assertThat(readHeader(in)).isEqualTo(SASL_HEADER);
            SaslMechanisms mechanisms = (SaslMechanisms) codec.parse(readFrame(in)).bodySections().get(0);
            assertThat(mechanisms.getSaslServerMechanisms())
                    .contains(Symbol.valueOf("MSSBCBS"), Symbol.valueOf("ANONYMOUS"));
            readFrame(in); // sasl-outcome
            out.write(AMQP_HEADER);
            out.write(frame(0, codec.encode(open)));
            out.flush();
            assertThat(readHeader(in)).isEqualTo(AMQP_HEADER);
            readFrame(in); // open

            long end = System.nanoTime() + 2_500_000_000L;
            int emptyFrames = 0;
            while (System.nanoTime() < end) {
                if (readFrame(in).length == 0) {
                    emptyFrames++;
                }
            }
            assertThat(emptyFrames).as("empty frames within 2.5 s for a 1 s idle timeout").isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void lockTokenTagUsesDotNetGuidByteOrder() {
        UUID token = UUID.fromString("00112233-4455-6677-8899-aabbccddeeff");

        byte[] tag = AmqpCodec.lockTokenTag(token);

        assertThat(HexFormat.of().formatHex(tag)).isEqualTo("33221100554477668899aabbccddeeff");
    }

    @Test
    void storedMessageKeepsTheSendersSectionsByteForByte() {
        AmqpCodec codec = new AmqpCodec();
        Properties properties = new Properties();
        properties.setMessageId("m-1");
        properties.setContentType(Symbol.valueOf("application/json"));
        byte[] bare = codec.encode(properties, new ApplicationProperties(Map.of("page", 3)),
                new Data(new Binary("{\"a\":1}".getBytes(StandardCharsets.UTF_8))));

        StoredMessage message = StoredMessage.from(codec.parse(bare), codec);
        message.enqueuedTime = java.time.Instant.now();
        message.sequenceNumber = 7;
        byte[] delivered = message.encode(codec, null);

        assertThat(delivered).endsWith(bare);
        assertThat(codec.parse(delivered).annotations().getValue())
                .containsEntry(Symbol.valueOf("x-opt-sequence-number"), 7L)
                .containsEntry(Symbol.valueOf("x-opt-message-state"), 0);
        assertThat(codec.parse(delivered).header().getDeliveryCount()).isEqualTo(UnsignedInteger.ZERO);
    }

    @Test
    void assignsAMessageIdWhenTheSenderSetNone() {
        AmqpCodec codec = new AmqpCodec();
        Properties properties = new Properties();
        properties.setSubject("page");
        byte[] bare = codec.encode(properties, new AmqpValue("body"));

        StoredMessage message = StoredMessage.from(codec.parse(bare), codec);

        assertThat(message.messageId()).matches("[0-9a-f]{32}");
        message.enqueuedTime = java.time.Instant.now();
        Properties delivered = codec.parse(message.encode(codec, null)).properties();
        assertThat(delivered.getMessageId()).isEqualTo(message.messageId());
        assertThat(delivered.getSubject()).isEqualTo("page");
    }

    @Test
    void batchTransfersAreSplitIntoTheirInnerMessages() {
        AmqpCodec codec = new AmqpCodec();
        List<Object> sections = new ArrayList<>();
        sections.add(new Properties());
        for (String body : List.of("one", "two")) {
            sections.add(new Data(new Binary(codec.encode(new AmqpValue(body)))));
        }
        byte[] envelope = codec.encode(sections.toArray());

        List<AmqpCodec.SectionedMessage> inner = codec.unbatch(codec.parse(envelope));

        assertThat(inner).extracting(m -> ((AmqpValue) m.bodySections().get(0)).getValue())
                .containsExactly("one", "two");
    }

    private static byte[] frame(int type, byte[] body) {
        ByteBuffer frame = ByteBuffer.allocate(8 + body.length);
        frame.putInt(8 + body.length).put((byte) 2).put((byte) type).putShort((short) 0).put(body);
        return frame.array();
    }

    private static byte[] readHeader(InputStream in) throws IOException {
        return in.readNBytes(8);
    }

    /** Reads one frame and returns its body (empty for a heartbeat). */
    private static byte[] readFrame(DataInputStream in) throws IOException {
        try {
            int size = in.readInt();
            int dataOffset = in.readUnsignedByte() * 4;
            byte[] rest = in.readNBytes(size - 5);
            byte[] body = new byte[size - dataOffset];
            System.arraycopy(rest, dataOffset - 5, body, 0, body.length);
            return body;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("No frame within the socket timeout", e);
        }
    }
}
