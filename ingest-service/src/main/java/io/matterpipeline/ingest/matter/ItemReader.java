package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.contract.Ids;
import io.matterpipeline.contract.ItemsIndex;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.ingest.IngestProperties;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Serves a Matter's merged items, and each document's, page by page from the chunks the aggregator keeps beside the
 * results ({@link ItemsIndex}), so neither a client nor this service ever needs a whole result. A page reads the index
 * and one or a few chunk blobs and stops at {@code limit} items or about {@value #PAGE_BYTES} bytes, whichever
 * comes first. Tenant rules as everywhere: another tenant's Matter is {@code matter-not-found}. Errors:
 * {@code matter-not-found}, {@code document-not-found}, {@code items-not-ready} (no items kept yet: the Matter, or the
 * document, is not final; or it ended cancelled or by giving up, without items), {@code field-not-found},
 * {@code field-not-a-list}, {@code invalid-cursor}.
 */
public final class ItemReader {

    /** A page stops growing past this many bytes of items, so one response stays small whatever the items. */
    static final int PAGE_BYTES = 4 * 1024 * 1024;
    private static final String CURSOR_PREFIX = "o";

    private final BlobStore blobs;
    private final ManifestStore manifests;

    private ItemReader(BlobStore blobs, ManifestStore manifests) {
        this.blobs = blobs;
        this.manifests = manifests;
    }

    public static ItemReader create(BlobStore blobs, IngestProperties properties) {
        return new ItemReader(blobs, new ManifestStore(blobs, MessageCodec.mapper(),
                properties.manifestUpdateAttempts(), properties.manifestUpdateBackoff()));
    }

    /** The fields of the Matter's items ({@code documentId} null) or of one document's. */
    public Mono<ItemsView> fields(String tenant, String matterId, String documentId) {
        return index(tenant, matterId, documentId).map(index -> new ItemsView(matterId, documentId,
                index.fields().stream()
                        .map(field -> field.list()
                                ? new ItemsView.Field(field.name(), "list", field.count(), null)
                                : new ItemsView.Field(field.name(), "value", null, field.value()))
                        .toList()));
    }

    /** Up to {@code limit} items of a list field from {@code cursor} (null: from the first). */
    public Mono<ItemPage> page(String tenant, String matterId, String documentId, String fieldName, int limit,
            String cursor) {
        return Mono.defer(() -> {
            int offset = offset(cursor);
            return index(tenant, matterId, documentId).flatMap(index -> {
                int position = -1;
                for (int i = 0; i < index.fields().size(); i++) {
                    if (index.fields().get(i).name().equals(fieldName)) {
                        position = i;
                    }
                }
                if (position < 0) {
                    return Mono.error(new NotFoundException("field-not-found", "The items have no field '"
                            + fieldName + "'"));
                }
                ItemsIndex.Field field = index.fields().get(position);
                if (!field.list()) {
                    return Mono.error(new BadInputException("field-not-a-list", "'" + fieldName
                            + "' is a single value; it is in the field listing"));
                }
                if (offset > field.count()) {
                    return Mono.error(new BadInputException("invalid-cursor", "The cursor is past the end"));
                }
                return read(prefix(matterId, documentId), position, field, offset, limit)
                        .map(items -> new ItemPage(matterId, documentId, fieldName, field.count(), offset, items,
                                offset + items.size() < field.count() ? cursor(offset + items.size()) : null));
            });
        });
    }

    /** Items from {@code offset}, chunk after chunk, until {@code limit} or {@link #PAGE_BYTES}. */
    private Mono<List<JsonNode>> read(String prefix, int position, ItemsIndex.Field field, int offset, int limit) {
        List<Integer> starts = field.chunkStarts();
        int chunk = 0;
        while (chunk + 1 < starts.size() && starts.get(chunk + 1) <= offset) {
            chunk++;
        }
        return readFrom(prefix, position, starts, chunk, offset, limit, new ArrayList<>(), 0);
    }

    private Mono<List<JsonNode>> readFrom(String prefix, int position, List<Integer> starts, int chunk, int offset,
            int limit, List<JsonNode> items, long bytes) {
        if (items.size() >= limit || chunk >= starts.size() || bytes >= PAGE_BYTES) {
            return Mono.just(items);
        }
        String path = BlobPaths.itemsChunk(prefix, position, chunk);
        return blobs.read(path)
                .switchIfEmpty(Mono.error(() -> new NotFoundException("items-not-ready", "The items chunk " + path
                        + " is missing; the result is being written again")))
                .flatMap(blob -> {
                    JsonNode array = MessageCodec.mapper().readTree(blob.bytes());
                    int first = Math.max(0, offset - starts.get(chunk));
                    long size = bytes + blob.bytes().length;
                    for (int i = first; i < array.size() && items.size() < limit; i++) {
                        items.add(array.get(i));
                    }
                    return readFrom(prefix, position, starts, chunk + 1, offset, limit, items, size);
                });
    }

    private Mono<ItemsIndex> index(String tenant, String matterId, String documentId) {
        return Mono.defer(() -> {
            String matter = Ids.require("matterId", matterId);
            String document = documentId == null ? null : Ids.require("documentId", documentId);
            return manifests.read(matter, tenant).flatMap(manifest -> {
                if (document != null && manifest.documents().stream()
                        .noneMatch(candidate -> candidate.documentId().equals(document))) {
                    return Mono.error(new NotFoundException("document-not-found",
                            "Matter " + matter + " has no document " + document));
                }
                String path = BlobPaths.itemsIndex(prefix(matter, document));
                return blobs.read(path)
                        .switchIfEmpty(Mono.error(() -> new NotFoundException("items-not-ready", (document == null
                                ? "Matter " + matter : "Document " + document) + " has no items yet: they are kept "
                                + "once its result is written (a cancelled Matter has none)")))
                        .map(blob -> MessageCodec.mapper().readValue(blob.bytes(), ItemsIndex.class));
            });
        });
    }

    private static String prefix(String matterId, String documentId) {
        return documentId == null ? BlobPaths.matterItems(matterId) : BlobPaths.documentItems(matterId, documentId);
    }

    private static String cursor(int offset) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((CURSOR_PREFIX + offset).getBytes(StandardCharsets.UTF_8));
    }

    private static int offset(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return 0;
        }
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            if (decoded.startsWith(CURSOR_PREFIX)) {
                int offset = Integer.parseInt(decoded.substring(CURSOR_PREFIX.length()));
                if (offset >= 0) {
                    return offset;
                }
            }
        } catch (IllegalArgumentException notACursor) {
            // reported below
        }
        throw new BadInputException("invalid-cursor", "The cursor is not one this API gave out");
    }
}
