package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.contract.ItemsIndex;
import io.matterpipeline.contract.MessageCodec;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps merged items in pages for the items API while a result is written: each list field's items, in order, in
 * chunk blobs of at most {@value #CHUNK_ITEMS} items or about {@value #CHUNK_BYTES} bytes, then an
 * {@link ItemsIndex}. The index is written last, and the result after it, so a final Matter always has its pages.
 * Blocking writes: runs on the result writer's thread.
 */
final class ItemPages {

    static final int CHUNK_ITEMS = 100;
    static final int CHUNK_BYTES = 1024 * 1024;
    private static final Duration WRITE_TIMEOUT = Duration.ofMinutes(2);

    private final BlobStore store;
    private final String prefix;
    private final List<ItemsIndex.Field> fields = new ArrayList<>();
    private final ByteArrayOutputStream chunk = new ByteArrayOutputStream();
    private List<Integer> chunkStarts;
    private String listName;
    private int count;
    private int chunkItems;

    /** @param prefix {@link BlobPaths#matterItems} or {@link BlobPaths#documentItems} */
    ItemPages(BlobStore store, String prefix) {
        this.store = store;
        this.prefix = prefix;
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

    /** Writes the index; after every field. */
    void finish() {
        put(BlobPaths.itemsIndex(prefix), MessageCodec.mapper().writeValueAsBytes(new ItemsIndex(fields)));
    }

    private void flush() {
        chunk.write(']');
        put(BlobPaths.itemsChunk(prefix, fields.size(), chunkStarts.size() - 1), chunk.toByteArray());
        chunk.reset();
        chunkItems = 0;
    }

    private void put(String path, byte[] bytes) {
        store.putBytes(path, bytes, PutCondition.none()).block(WRITE_TIMEOUT);
    }
}
