package io.matterpipeline.assemble;

import io.matterpipeline.contract.MessageCodec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;

/**
 * The bounded-memory core of {@link DocumentMerge} and {@link MatterMerge}. Every occurrence of an item (an array
 * element) and every scalar value goes into a {@link SortedSpill} keyed by field, {@link MergeKey} and arrival; reading
 * it back groups each item's occurrences, which an {@link ItemFold} turns into one merged item, and counts each value's
 * votes. Merged items go through a second spill that restores first-seen order. So the heap holds two spill buffers,
 * the field names and one item being folded, whatever the number of items; the rest waits in run files.
 *
 * <p>Semantics (the same as merging in memory): fields come out in first-seen order; a field that was an array
 * anywhere lists its merged items in first-seen order, any other field takes the value seen most often (by key), ties
 * going to the lowest {@code order}, null when nothing non-empty was seen. Not thread-safe; blocking file I/O.
 */
final class FieldMerge implements AutoCloseable {

    /** Folds the occurrences of one item, in arrival order, into the merged item. */
    interface ItemFold {
        void add(int order, byte[] occurrence);

        /** An occurrence added as a tree ({@link #addItem(int, String, int, JsonNode)}) that stayed in memory. */
        default void add(int order, JsonNode occurrence) {
            add(order, MessageCodec.mapper().writeValueAsBytes(occurrence));
        }

        /** The merged item: one JSON object. */
        byte[] finish();
    }

    private static final Comparator<Occurrence> BY_KEY = Comparator.comparingInt(Occurrence::field)
            .thenComparing(Occurrence::vote)
            .thenComparing(Occurrence::key)
            .thenComparingLong(Occurrence::seq);
    private static final Comparator<Merged> BY_ARRIVAL = Comparator.comparingInt(Merged::field)
            .thenComparingLong(Merged::firstSeq);

    private final Map<String, Integer> fieldIndexes = new HashMap<>();
    private final List<String> fieldNames = new ArrayList<>();
    private final BitSet arrays = new BitSet();
    private final Supplier<ItemFold> folds;
    private final Path spillDirectory;
    private final long memoryBytes;
    private final SortedSpill<Occurrence> occurrences;
    private SortedSpill<Merged> merged;
    private long seq;

    FieldMerge(Supplier<ItemFold> folds, Path spillDirectory, long memoryBytes) {
        this.folds = folds;
        this.spillDirectory = spillDirectory;
        this.memoryBytes = memoryBytes;
        this.occurrences = new SortedSpill<>(BY_KEY, new OccurrenceCodec(), spillDirectory, memoryBytes);
    }

    /** The index of a field, registering it (first-seen order) when new. */
    int field(String name) {
        return fieldIndexes.computeIfAbsent(name, n -> {
            fieldNames.add(n);
            return fieldNames.size() - 1;
        });
    }

    /** The field was an array somewhere: it lists items, even if none. */
    void markArray(int field) {
        arrays.set(field);
    }

    /** One occurrence of an item of an array field. */
    void addItem(int field, String key, int order, byte[] occurrence) {
        occurrences.add(new Occurrence(field, false, key, seq++, order, occurrence, null));
    }

    /**
     * One occurrence of an item of an array field, as a tree the caller no longer changes: it is serialized only if
     * it has to be written to a run file, and reaches the fold as the same tree if not.
     */
    void addItem(int field, String key, int order, JsonNode occurrence) {
        occurrences.add(new Occurrence(field, false, key, seq++, order, null, occurrence));
    }

    /** One vote for a scalar field's value; empty keys (null, blank) do not vote. */
    void addVote(int field, String key, int order, byte[] value) {
        if (!key.isEmpty()) {
            occurrences.add(new Occurrence(field, true, key, seq++, order, value, null));
        }
    }

    /** Occurrences and items written to run files so far (zero when everything fitted in memory). */
    long spilled() {
        return occurrences.spilled() + (merged == null ? 0 : merged.spilled());
    }

    /** Writes the merged items as one JSON object, and into {@code pages} for the items API; may be called once. */
    void write(JsonGenerator out, ItemPages pages) {
        Winner[] winners = new Winner[fieldNames.size()];
        merged = new SortedSpill<>(BY_ARRIVAL, new MergedCodec(), spillDirectory, memoryBytes);
        Iterator<Occurrence> sorted = occurrences.sorted();
        Occurrence next = sorted.hasNext() ? sorted.next() : null;
        while (next != null) {
            Occurrence first = next;
            ItemFold fold = first.vote() ? null : folds.get();
            int count = 0;
            int firstOrder = Integer.MAX_VALUE;
            do {
                count++;
                firstOrder = Math.min(firstOrder, next.order());
                if (fold != null && next.tree() != null) {
                    fold.add(next.order(), next.tree());
                } else if (fold != null) {
                    fold.add(next.order(), next.json());
                }
                next = sorted.hasNext() ? sorted.next() : null;
            } while (next != null && next.field() == first.field() && next.vote() == first.vote()
                    && next.key().equals(first.key()));
            if (fold != null) {
                merged.add(new Merged(first.field(), first.seq(), fold.finish()));
            } else {
                Winner best = winners[first.field()];
                if (best == null || count > best.count || (count == best.count && firstOrder < best.firstOrder)) {
                    winners[first.field()] = new Winner(count, firstOrder, first.json());
                }
            }
        }

        Iterator<Merged> items = merged.sorted();
        Merged item = items.hasNext() ? items.next() : null;
        out.writeStartObject();
        for (int field = 0; field < fieldNames.size(); field++) {
            String name = fieldNames.get(field);
            out.writeName(name);
            if (arrays.get(field)) {
                out.writeStartArray();
                pages.startList(name);
                while (item != null && item.field() == field) {
                    JsonStreams.copy(item.json(), out);
                    pages.add(item.json());
                    item = items.hasNext() ? items.next() : null;
                }
                out.writeEndArray();
                pages.endList();
            } else if (winners[field] != null) {
                JsonStreams.copy(winners[field].json(), out);
                pages.value(name, winners[field].json());
            } else {
                out.writeNull();
                pages.value(name, null);
            }
        }
        out.writeEndObject();
        pages.finish();
    }

    @Override
    public void close() {
        occurrences.close();
        if (merged != null) {
            merged.close();
        }
    }

    /** An occurrence as bytes ({@code json}) or, only while in memory, as a tree ({@code tree}). */
    private record Occurrence(int field, boolean vote, String key, long seq, int order, byte[] json, JsonNode tree) {

        byte[] bytes() {
            return json != null ? json : MessageCodec.mapper().writeValueAsBytes(tree);
        }
    }

    private record Merged(int field, long firstSeq, byte[] json) {
    }

    private record Winner(int count, int firstOrder, byte[] json) {
    }

    private static final class OccurrenceCodec implements SortedSpill.Codec<Occurrence> {
        @Override
        public void write(DataOutputStream out, Occurrence record) throws IOException {
            out.writeInt(record.field());
            out.writeBoolean(record.vote());
            writeBytes(out, record.key().getBytes(StandardCharsets.UTF_8));
            out.writeLong(record.seq());
            out.writeInt(record.order());
            writeBytes(out, record.bytes());
        }

        @Override
        public Occurrence read(DataInputStream in) throws IOException {
            return new Occurrence(in.readInt(), in.readBoolean(), new String(readBytes(in), StandardCharsets.UTF_8),
                    in.readLong(), in.readInt(), readBytes(in), null);
        }

        @Override
        public long weight(Occurrence record) {
            return 64L + 2L * record.key().length()
                    + (record.json() != null ? record.json().length : treeWeight(record.tree()));
        }
    }

    private static final class MergedCodec implements SortedSpill.Codec<Merged> {
        @Override
        public void write(DataOutputStream out, Merged record) throws IOException {
            out.writeInt(record.field());
            out.writeLong(record.firstSeq());
            writeBytes(out, record.json());
        }

        @Override
        public Merged read(DataInputStream in) throws IOException {
            return new Merged(in.readInt(), in.readLong(), readBytes(in));
        }

        @Override
        public long weight(Merged record) {
            return 48L + record.json().length;
        }
    }

    /** Approximate heap bytes of a tree (nodes, names and text), more than its JSON: it spills sooner. */
    static long treeWeight(JsonNode node) {
        if (node.isContainer()) {
            long weight = 64;
            if (node.isObject()) {
                for (Map.Entry<String, JsonNode> entry : node.properties()) {
                    weight += 48 + 2L * entry.getKey().length() + treeWeight(entry.getValue());
                }
            } else {
                for (JsonNode element : node.values()) {
                    weight += 8 + treeWeight(element);
                }
            }
            return weight;
        }
        return node.isString() ? 56 + 2L * node.stringValue().length() : 24;
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return bytes;
    }
}
