package io.matterpipeline.blob;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Forwards to another store; tests override what they want to break or watch. */
public class DelegatingBlobStore implements BlobStore {

    protected final BlobStore delegate;

    public DelegatingBlobStore(BlobStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition, Map<String, String> metadata) {
        return delegate.put(path, content, condition, metadata);
    }

    @Override
    public Flux<ByteBuffer> get(String path) {
        return delegate.get(path);
    }

    @Override
    public Mono<BlobInfo> stat(String path) {
        return delegate.stat(path);
    }

    @Override
    public Flux<BlobInfo> list(String prefix) {
        return delegate.list(prefix);
    }

    @Override
    public Mono<Long> deleteAll(Collection<String> paths) {
        return delegate.deleteAll(paths);
    }

    @Override
    public Mono<BlobContent> read(String path) {
        return delegate.read(path);
    }
}
