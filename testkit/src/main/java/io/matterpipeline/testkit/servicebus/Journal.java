package io.matterpipeline.testkit.servicebus;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The emulator's write-ahead journal, so that a process killed with SIGKILL and started again on the same directory
 * has every message it acknowledged. Each change to a message's durable state is appended before the emulator answers
 * the client ({@code put}: the message as it now is; {@code remove}: it left the entity; {@code seen}: a MessageId
 * for duplicate detection). A write reaches the kernel before the answer, which is what survives a killed process;
 * surviving a machine crash would need an fsync per write, which a test broker does not pay for.
 *
 * <p>On start the journal is read back (a record cut short by the kill is dropped) and rewritten compactly with only
 * what is still there. Locks are not journaled: as after a real failover, a message locked when the process died is
 * delivered again. Its delivery still counts ({@code delivered}: the count the message would have once its lock were
 * released, appended when it is locked, as Service Bus counts a delivery when it locks the message): a message whose
 * handling kills the broker, or that is in flight at every restart, reaches the max delivery count all the same.
 * Confined to the emulator's event loop, like everything it records.
 */
final class Journal implements AutoCloseable {

    private static final String FILE = "journal.log";
    private static final byte PUT = 1;
    private static final byte REMOVE = 2;
    private static final byte SEEN = 3;
    private static final byte DELIVERED = 4;

    private final Path file;
    private FileChannel channel;

    private Journal(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** A message as the journal holds it. */
    record Entry(long sequenceNumber, StoredMessage.State state, int deliveryCount, Instant enqueuedTime,
                 String deadLetterSource, byte[] message) {
    }

    /** What the journal held for one entity: live messages by sequence number, the highest number used, ids seen. */
    static final class EntityState {
        final TreeMap<Long, Entry> messages = new TreeMap<>();
        final LinkedHashMap<String, Instant> seenMessageIds = new LinkedHashMap<>();
        long highestSequenceNumber;
    }

    /** Reads the journal in {@code directory} (created when missing) and opens it for appending, compacted. */
    static Journal open(Path directory, Map<String, EntityState> recovered) {
        try {
            Files.createDirectories(directory);
            Path file = directory.resolve(FILE);
            if (Files.exists(file)) {
                read(file, recovered);
            }
            Path compacted = directory.resolve(FILE + ".tmp");
            try (FileChannel out = FileChannel.open(compacted, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                for (Map.Entry<String, EntityState> entity : recovered.entrySet()) {
                    EntityState state = entity.getValue();
                    // Keeps the sequence counter past removed messages: numbers are never reused.
                    out.write(record(REMOVE, entity.getKey(), data -> data.writeLong(state.highestSequenceNumber)));
                    for (Entry entry : state.messages.values()) {
                        out.write(putRecord(entity.getKey(), entry));
                    }
                    for (Map.Entry<String, Instant> seen : state.seenMessageIds.entrySet()) {
                        out.write(seenRecord(entity.getKey(), seen.getKey(), seen.getValue()));
                    }
                }
                out.force(true);
            }
            Files.move(compacted, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Journal(file, FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the emulator journal in " + directory, e);
        }
    }

    void put(String entity, StoredMessage message, byte[] encoded) {
        append(putRecord(entity, new Entry(message.sequenceNumber, message.state, message.deliveryCount,
                message.enqueuedTime, message.deadLetterSource, encoded)));
    }

    /** The message was locked for a delivery: if the process dies now, it comes back with {@code deliveryCount}. */
    void delivered(String entity, long sequenceNumber, int deliveryCount) {
        append(record(DELIVERED, entity, data -> {
            data.writeLong(sequenceNumber);
            data.writeInt(deliveryCount);
        }));
    }

    void remove(String entity, long sequenceNumber) {
        append(record(REMOVE, entity, data -> data.writeLong(sequenceNumber)));
    }

    void seen(String entity, String messageId, Instant at) {
        append(seenRecord(entity, messageId, at));
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing left to write.
        }
    }

    private void append(ByteBuffer record) {
        try {
            while (record.hasRemaining()) {
                channel.write(record);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot append to " + file, e);
        }
    }

    // ---- record format: int length, byte type, UTF entity, then the type's fields ----

    private interface Fields {
        void write(DataOutputStream data) throws IOException;
    }

    private static ByteBuffer record(byte type, String entity, Fields fields) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
            DataOutputStream data = new DataOutputStream(bytes);
            data.writeInt(0);
            data.writeByte(type);
            data.writeUTF(entity);
            fields.write(data);
            data.flush();
            ByteBuffer buffer = ByteBuffer.wrap(bytes.toByteArray());
            buffer.putInt(0, buffer.capacity() - Integer.BYTES);
            return buffer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ByteBuffer putRecord(String entity, Entry entry) {
        return record(PUT, entity, data -> {
            data.writeLong(entry.sequenceNumber());
            data.writeByte(entry.state().ordinal());
            data.writeInt(entry.deliveryCount());
            data.writeLong(entry.enqueuedTime() == null ? 0 : entry.enqueuedTime().toEpochMilli());
            data.writeUTF(entry.deadLetterSource() == null ? "" : entry.deadLetterSource());
            data.writeInt(entry.message().length);
            data.write(entry.message());
        });
    }

    private static ByteBuffer seenRecord(String entity, String messageId, Instant at) {
        return record(SEEN, entity, data -> {
            data.writeUTF(messageId);
            data.writeLong(at.toEpochMilli());
        });
    }

    private static void read(Path file, Map<String, EntityState> recovered) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer buffer = ByteBuffer.wrap(all);
        while (buffer.remaining() >= Integer.BYTES) {
            int length = buffer.getInt();
            if (length <= 0 || length > buffer.remaining()) {
                return; // cut short by a kill mid-write: what follows was never acknowledged
            }
            DataInputStream data = new DataInputStream(new java.io.ByteArrayInputStream(all, buffer.position(),
                    length));
            buffer.position(buffer.position() + length);
            try {
                apply(data, recovered);
            } catch (EOFException truncated) {
                return;
            }
        }
    }

    private static void apply(DataInputStream data, Map<String, EntityState> recovered) throws IOException {
        byte type = data.readByte();
        EntityState entity = recovered.computeIfAbsent(data.readUTF(), name -> new EntityState());
        switch (type) {
            case PUT -> {
                long sequenceNumber = data.readLong();
                StoredMessage.State state = StoredMessage.State.values()[data.readByte()];
                int deliveryCount = data.readInt();
                long enqueuedMillis = data.readLong();
                String deadLetterSource = data.readUTF();
                byte[] message = new byte[data.readInt()];
                data.readFully(message);
                entity.messages.put(sequenceNumber, new Entry(sequenceNumber, state, deliveryCount,
                        enqueuedMillis == 0 ? null : Instant.ofEpochMilli(enqueuedMillis),
                        deadLetterSource.isEmpty() ? null : deadLetterSource, message));
                entity.highestSequenceNumber = Math.max(entity.highestSequenceNumber, sequenceNumber);
            }
            case REMOVE -> {
                long sequenceNumber = data.readLong();
                entity.messages.remove(sequenceNumber);
                entity.highestSequenceNumber = Math.max(entity.highestSequenceNumber, sequenceNumber);
            }
            case SEEN -> entity.seenMessageIds.put(data.readUTF(), Instant.ofEpochMilli(data.readLong()));
            case DELIVERED -> {
                long sequenceNumber = data.readLong();
                int deliveryCount = data.readInt();
                entity.messages.computeIfPresent(sequenceNumber, (number, entry) -> new Entry(number, entry.state(),
                        Math.max(entry.deliveryCount(), deliveryCount), entry.enqueuedTime(),
                        entry.deadLetterSource(), entry.message()));
            }
            default -> throw new EOFException("unknown record type " + type);
        }
    }
}
