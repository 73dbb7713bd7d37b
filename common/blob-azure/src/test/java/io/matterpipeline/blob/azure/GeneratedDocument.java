package io.matterpipeline.blob.azure;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import reactor.core.publisher.Flux;

/**
 * A large document made up on demand: chunks are generated as the consumer asks for them and hashed as they go, so
 * neither the test nor the store under test needs the whole document in memory to check it.
 */
final class GeneratedDocument {

    static final int CHUNK = 64 * 1024;

    private GeneratedDocument() {
    }

    /** {@code size} bytes in 64 KiB chunks, a different pattern per chunk; every chunk emitted goes into {@code digest}. */
    static Flux<ByteBuffer> body(long size, MessageDigest digest) {
        long chunks = (size + CHUNK - 1) / CHUNK;
        return Flux.generate(() -> 0L, (index, sink) -> {
            if (index >= chunks) {
                sink.complete();
                return index;
            }
            int length = (int) Math.min(CHUNK, size - index * CHUNK);
            byte[] chunk = new byte[length];
            long seed = index * 0x9E3779B97F4A7C15L;
            for (int i = 0; i < length; i++) {
                chunk[i] = (byte) ((seed >>> ((i & 7) * 8)) + i);
            }
            digest.update(chunk);
            sink.next(ByteBuffer.wrap(chunk));
            return index + 1;
        });
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
