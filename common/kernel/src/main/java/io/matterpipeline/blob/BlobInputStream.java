package io.matterpipeline.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.stream.Stream;
import reactor.core.publisher.Flux;

/**
 * A blocking {@link InputStream} over a streaming blob body ({@link BlobStore#get}), for code that reads with a
 * blocking parser: a few chunks are read ahead, never the whole blob; closing the stream cancels the download. Only
 * for a thread that may block ({@code Schedulers.boundedElastic()}, a command-line main thread), never an event loop.
 */
public final class BlobInputStream extends InputStream {

    /** Chunks that may wait in memory ahead of the reader. */
    private static final int READ_AHEAD = 4;

    private final Stream<ByteBuffer> stream;
    private final Iterator<ByteBuffer> chunks;
    private ByteBuffer current = ByteBuffer.allocate(0);

    private BlobInputStream(Flux<ByteBuffer> body) {
        this.stream = body.toStream(READ_AHEAD);
        this.chunks = stream.iterator();
    }

    /** Reads {@code body} as it arrives; its errors surface from {@code read}. */
    public static BlobInputStream of(Flux<ByteBuffer> body) {
        return new BlobInputStream(body);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        while (!current.hasRemaining()) {
            try {
                if (!chunks.hasNext()) {
                    return -1;
                }
                current = chunks.next();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        int count = Math.min(length, current.remaining());
        current.get(target, offset, count);
        return count;
    }

    @Override
    public void close() {
        stream.close();
    }
}
