package io.matterpipeline.assemble;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/**
 * An external sort: records are added in any order and read back in {@code order}, with at most about
 * {@code memoryBytes} of them on the heap. A full buffer is sorted and written to a run file under the spill directory;
 * reading merges the runs (at most {@link #FAN_IN} files open at once, merging in several passes beyond that). Records
 * equal under {@code order} come back in the order they were added. Blocking file I/O: callers run on a thread that
 * may block. Not thread-safe; {@link #close()} deletes every file.
 */
final class SortedSpill<T> implements AutoCloseable {

    /** Run files merged at once. */
    static final int FAN_IN = 32;
    private static final int IO_BUFFER = 64 * 1024;

    /** How a record is written to and read from a run file, and how much heap it takes. */
    interface Codec<T> {
        void write(DataOutputStream out, T record) throws IOException;

        T read(DataInputStream in) throws IOException;

        /** Approximate heap bytes of the record. */
        long weight(T record);
    }

    private final Comparator<T> order;
    private final Codec<T> codec;
    private final Path directory;
    private final long memoryBytes;
    private final List<T> buffer = new ArrayList<>();
    private final List<Path> runs = new ArrayList<>();
    private final List<Path> created = new ArrayList<>();
    private final List<Reader> open = new ArrayList<>();
    private long buffered;
    private long spilled;
    private boolean reading;

    SortedSpill(Comparator<T> order, Codec<T> codec, Path directory, long memoryBytes) {
        this.order = order;
        this.codec = codec;
        this.directory = directory;
        this.memoryBytes = memoryBytes;
    }

    void add(T record) {
        if (reading) {
            throw new IllegalStateException("the spill is being read");
        }
        buffer.add(record);
        buffered += codec.weight(record) + 32;
        if (buffered >= memoryBytes) {
            runs.add(writeRun(sortedBuffer().iterator()));
        }
    }

    /** Records written to run files so far. */
    long spilled() {
        return spilled;
    }

    /** Every record added, in order; may be called once. */
    Iterator<T> sorted() {
        if (reading) {
            throw new IllegalStateException("a spill is read once");
        }
        reading = true;
        if (runs.isEmpty()) {
            List<T> records = sortedBuffer();
            return records.iterator();
        }
        if (!buffer.isEmpty()) {
            runs.add(writeRun(sortedBuffer().iterator()));
        }
        while (runs.size() > FAN_IN) {
            List<Path> batch = new ArrayList<>(runs.subList(0, FAN_IN));
            runs.subList(0, FAN_IN).clear();
            Iterator<T> merged = merge(batch);
            runs.add(writeRun(merged));
            closeReaders();
            batch.forEach(SortedSpill::delete);
        }
        return merge(runs);
    }

    private List<T> sortedBuffer() {
        List<T> records = new ArrayList<>(buffer);
        buffer.clear();
        buffered = 0;
        records.sort(order);
        return records;
    }

    private Path writeRun(Iterator<T> records) {
        try {
            Files.createDirectories(directory);
            Path run = Files.createTempFile(directory, "merge-", ".run");
            created.add(run); // so that close() deletes it whatever happens next
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(run),
                    IO_BUFFER))) {
                while (records.hasNext()) {
                    out.writeBoolean(true);
                    codec.write(out, records.next());
                    spilled++;
                }
                out.writeBoolean(false);
            }
            return run;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write a merge run under " + directory, e);
        }
    }

    private Iterator<T> merge(List<Path> files) {
        PriorityQueue<Reader> heads = new PriorityQueue<>(Comparator.<Reader, T>comparing(reader -> reader.head,
                order).thenComparingInt(reader -> reader.index));
        for (int i = 0; i < files.size(); i++) {
            Reader reader = new Reader(files.get(i), i);
            open.add(reader);
            if (reader.advance()) {
                heads.add(reader);
            }
        }
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !heads.isEmpty();
            }

            @Override
            public T next() {
                Reader reader = heads.poll();
                if (reader == null) {
                    throw new NoSuchElementException();
                }
                T record = reader.head;
                if (reader.advance()) {
                    heads.add(reader);
                }
                return record;
            }
        };
    }

    private void closeReaders() {
        open.forEach(Reader::close);
        open.clear();
    }

    @Override
    public void close() {
        closeReaders();
        created.forEach(SortedSpill::delete);
        created.clear();
        runs.clear();
        buffer.clear();
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the spill directory is temporary; a file left behind costs disk, not correctness
        }
    }

    /** One run file, read record by record. */
    private final class Reader {
        private final DataInputStream in;
        private final int index;
        private T head;

        Reader(Path file, int index) {
            this.index = index;
            try {
                this.in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), IO_BUFFER));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read the merge run " + file, e);
            }
        }

        boolean advance() {
            try {
                if (!in.readBoolean()) {
                    head = null;
                    close();
                    return false;
                }
                head = codec.read(in);
                return true;
            } catch (EOFException e) {
                throw new UncheckedIOException("A merge run ended early", e);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read a merge run", e);
            }
        }

        void close() {
            try {
                in.close();
            } catch (IOException ignored) {
                // read to the end already
            }
        }
    }
}
