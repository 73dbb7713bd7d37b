package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.DelegatingBlobStore;
import io.matterpipeline.error.TransientException;
import java.nio.ByteBuffer;
import reactor.core.publisher.Flux;

/** Fails every read of a stored document result, as a lost or unreachable blob would: no Matter result can be written. */
final class LostDocumentResults extends DelegatingBlobStore {

    LostDocumentResults(BlobStore delegate) {
        super(delegate);
    }

    @Override
    public Flux<ByteBuffer> get(String path) {
        return path.contains("/documents/") && path.endsWith("/result.json")
                ? Flux.error(new TransientException("read-timeout", "Reading " + path + " timed out"))
                : super.get(path);
    }
}
