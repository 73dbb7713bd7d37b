package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.DelegatingBlobStore;
import io.matterpipeline.blob.PutCondition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class ItemPagesTests {

    private static final String ITEMS = BlobPaths.matterItems("m-1");
    private static final byte[] ITEM = "{\"name\":\"Acme\"}".getBytes(StandardCharsets.UTF_8);

    private final MemoryBlobStore stored = new MemoryBlobStore();

    @Test
    void chunksAreWrittenWhileTheNextOnesFillAtMostTheBoundAtOnceAndTheIndexOnlyAfterAllOfThem() throws Exception {
        HeldPuts store = new HeldPuts(stored);
        int chunks = 5;
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            ItemPages pages = new ItemPages(store, ITEMS, 2);
            pages.startList("parties");
            for (int i = 0; i < chunks * ItemPages.CHUNK_ITEMS; i++) {
                pages.add(ITEM);
            }
            pages.endList();
            pages.finish();
        });

        // Two chunk writes are under way before either is answered; each answer lets the next one start.
        HeldPut first = store.next();
        HeldPut second = store.next();
        assertThat(first.path()).isEqualTo(BlobPaths.itemsChunk(ITEMS, 0, 0));
        assertThat(second.path()).isEqualTo(BlobPaths.itemsChunk(ITEMS, 0, 1));
        first.release();
        HeldPut third = store.next();
        second.release();
        HeldPut fourth = store.next();
        third.release();
        HeldPut fifth = store.next();
        fourth.release();
        fifth.release();

        HeldPut index = store.next();
        assertThat(index.path()).isEqualTo(BlobPaths.itemsIndex(ITEMS));
        assertThat(stored.list(ITEMS).filter(blob -> !blob.path().equals(index.path())).count().block())
                .isEqualTo(chunks);
        index.release();
        writer.get(10, TimeUnit.SECONDS);

        assertThat(store.peakInFlight()).isEqualTo(2);
        assertThat(stored.list(ITEMS).count().block()).isEqualTo(chunks + 1);
    }

    @Test
    void aChunkThatCannotBeWrittenFailsTheResultInsteadOfLeavingAnIndexWithoutIt() {
        RuntimeException refused = new IllegalStateException("store refused the chunk");
        DelegatingBlobStore failing = new DelegatingBlobStore(stored) {
            @Override
            public Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition,
                    Map<String, String> metadata) {
                return path.equals(BlobPaths.itemsChunk(ITEMS, 0, 1)) ? Mono.error(refused)
                        : super.put(path, content, condition, metadata);
            }
        };
        ItemPages pages = new ItemPages(failing, ITEMS, 4);
        pages.startList("parties");
        for (int i = 0; i < 3 * ItemPages.CHUNK_ITEMS; i++) {
            pages.add(ITEM);
        }
        pages.endList();

        assertThatThrownBy(pages::finish).isSameAs(refused);
        assertThat(stored.stat(BlobPaths.itemsIndex(ITEMS)).blockOptional()).isEmpty();
    }

    /** A store whose writes wait until the test answers them, one at a time, in the order they started. */
    private static final class HeldPuts extends DelegatingBlobStore {

        private final BlockingQueue<HeldPut> started = new LinkedBlockingQueue<>();
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicInteger peakInFlight = new AtomicInteger();

        HeldPuts(MemoryBlobStore delegate) {
            super(delegate);
        }

        @Override
        public Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition,
                Map<String, String> metadata) {
            return Mono.defer(() -> {
                peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                HeldPut held = new HeldPut(path, new CompletableFuture<>());
                started.add(held);
                return Mono.fromFuture(held.answer())
                        .then(super.put(path, content, condition, metadata))
                        // Before the writer hears of it: it starts its next write as soon as it does.
                        .doOnTerminate(inFlight::decrementAndGet);
            });
        }

        HeldPut next() throws InterruptedException {
            HeldPut held = started.poll(10, TimeUnit.SECONDS);
            assertThat(held).as("a write started").isNotNull();
            return held;
        }

        int peakInFlight() {
            return peakInFlight.get();
        }
    }

    private record HeldPut(String path, CompletableFuture<Void> answer) {

        void release() {
            answer.complete(null);
        }
    }
}
