package io.matterpipeline.metering;

import io.matterpipeline.blob.BlobContent;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.BlobTiering;
import io.matterpipeline.blob.PutCondition;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A {@link BlobStore} that counts each request (at subscription: every attempt of a retried request counts). */
class CountingBlobStore implements BlobStore, AutoCloseable {

    private final BlobStore delegate;
    final PortCounter counter;

    CountingBlobStore(BlobStore delegate, PortCounter counter) {
        this.delegate = delegate;
        this.counter = counter;
    }

    static BlobStore wrap(BlobStore store, PortCounter counter) {
        return store instanceof BlobTiering tiering
                ? new Tiering(store, tiering, counter)
                : new CountingBlobStore(store, counter);
    }

    @Override
    public Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition,
            Map<String, String> metadata) {
        return delegate.put(path, content, condition, metadata)
                .doOnSubscribe(subscription -> countWrite(condition))
                .doOnError(PutCondition::refused, conflict -> counter.casConflicts.increment());
    }

    @Override
    public Mono<BlobInfo> putBytes(String path, byte[] bytes, PutCondition condition) {
        return delegate.putBytes(path, bytes, condition)
                .doOnSubscribe(subscription -> countWrite(condition))
                .doOnError(PutCondition::refused, conflict -> counter.casConflicts.increment());
    }

    @Override
    public Flux<ByteBuffer> get(String path) {
        return delegate.get(path).doOnSubscribe(subscription -> counter.blobReads.increment());
    }

    @Override
    public Mono<BlobContent> read(String path) {
        return delegate.read(path).doOnSubscribe(subscription -> counter.blobReads.increment());
    }

    @Override
    public Mono<BlobInfo> stat(String path) {
        return delegate.stat(path).doOnSubscribe(subscription -> counter.blobStats.increment());
    }

    @Override
    public Flux<BlobInfo> list(String prefix) {
        return delegate.list(prefix).doOnSubscribe(subscription -> counter.blobLists.increment());
    }

    @Override
    public Mono<Long> deleteAll(Collection<String> paths) {
        return delegate.deleteAll(paths).doOnSubscribe(subscription -> counter.blobDeletes.increment());
    }

    private void countWrite(PutCondition condition) {
        counter.blobWrites.increment();
        if (!(condition instanceof PutCondition.Unconditional)) {
            counter.blobConditionalWrites.increment();
        }
    }

    @Override
    public void close() throws Exception {
        if (delegate instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }

    /** The same for a store with access tiers. */
    private static final class Tiering extends CountingBlobStore implements BlobTiering {

        private final BlobTiering tiering;

        Tiering(BlobStore delegate, BlobTiering tiering, PortCounter counter) {
            super(delegate, counter);
            this.tiering = tiering;
        }

        @Override
        public Mono<Long> archive(Collection<String> paths) {
            return tiering.archive(paths).doOnSubscribe(subscription -> counter.blobTiers.increment());
        }
    }
}
