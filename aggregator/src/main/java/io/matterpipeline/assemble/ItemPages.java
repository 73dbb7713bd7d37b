package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.contract.ItemsIndex;
import io.matterpipeline.contract.MessageCodec;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keeps merged items in pages for the items API while a result is written: each list field's items, in order, in
 * chunk blobs of at most {@value #CHUNK_ITEMS} items or about {@value #CHUNK_BYTES} bytes, then an
 * {@link ItemsIndex}. The index is written last, and the result after it, so a final Matter always has its pages.
 * Chunks are written while the next ones fill, up to {@code writesInFlight} at once (one after another they were
 * most of the time from a Matter's last page to its result: a round trip each); {@link #finish()} waits for them all
 * before it writes the index. Blocking waits: runs on the result writer's thread.
 */
final class ItemPages {

    static final int CHUNK_ITEMS = 100;
    static final int CHUNK_BYTES = 1024 * 1024;
    private static final Duration WRITE_TIMEOUT = Duration.ofMinutes(2);

    private final BlobStore store;
    private final String prefix;
    private final int writesInFlight;
    private final ArrayDeque<CompletableFuture<?>> writing = new ArrayDeque<>();
    private final List<ItemsIndex.Field> fields = new ArrayList<>();
    private final ByteArrayOutputStream chunk = new ByteArrayOutputStream();
    private List<Integer> chunkStarts;
    private String listName;
    private int count;
    private int chunkItems;

    /**
     * @param prefix {@link BlobPaths#matterItems} or {@link BlobPaths#documentItems}
     * @param writesInFlight chunk writes at once ({@code merge.read-concurrency}: an assembly's requests at once)
     */
    ItemPages(BlobStore store, String prefix, int writesInFlight) {
        if (writesInFlight < 1) {
            throw new IllegalArgumentException("writesInFlight must be >= 1");
        }
        this.store = store;
        this.prefix = prefix;
        this.writesInFlight = writesInFlight;
    }

    void startList(String name) {
        listName = name;
        count = 0;
        chunkStarts = new ArrayList<>();
    }

    void add(byte[] item) {
        if (chunkItems == 0) {
            chunkStarts.add(count);
            chunk.write('[');
        } else {
            chunk.write(',');
        }
        chunk.writeBytes(item);
        chunkItems++;
        count++;
        if (chunkItems == CHUNK_ITEMS || chunk.size() >= CHUNK_BYTES) {
            flush();
        }
    }

    void endList() {
        if (chunkItems > 0) {
            flush();
        }
        fields.add(new ItemsIndex.Field(listName, true, count, chunkStarts, null));
    }

    void value(String name, byte[] json) {
        fields.add(new ItemsIndex.Field(name, false, 0, List.of(), json == null
                ? MessageCodec.mapper().nullNode() : MessageCodec.mapper().readTree(json)));
    }

    /** Waits for every chunk, then writes the index; after every field. */
    void finish() {
        awaitWrites(0);
        put(BlobPaths.itemsIndex(prefix), MessageCodec.mapper().writeValueAsBytes(new ItemsIndex(fields)));
        awaitWrites(0);
    }

    private void flush() {
        chunk.write(']');
        put(BlobPaths.itemsChunk(prefix, fields.size(), chunkStarts.size() - 1), chunk.toByteArray());
        chunk.reset();
        chunkItems = 0;
    }

    private void put(String path, byte[] bytes) {
        awaitWrites(writesInFlight - 1);
        writing.add(store.putBytes(path, bytes, PutCondition.none()).toFuture());
    }

    /** Waits for the oldest writes until at most {@code left} are in flight; a failed write fails the assembly. */
    private void awaitWrites(int left) {
        while (writing.size() > left) {
            try {
                writing.removeFirst().get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException failed) {
                throw failed.getCause() instanceof RuntimeException cause ? cause
                        : new IllegalStateException("Writing an items page failed", failed.getCause());
            } catch (TimeoutException timedOut) {
                throw new IllegalStateException("Writing an items page took longer than " + WRITE_TIMEOUT, timedOut);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while writing an items page", interrupted);
            }
        }
    }
}
