package io.matterpipeline.extract;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.error.BadInputException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import reactor.core.publisher.Mono;

/**
 * The extraction schema of each Matter: the JSON Schema ingest stored at {@link BlobPaths#matterSchema} when the
 * Matter was created with one, else the default. A Matter's schema never changes once written (it is written before
 * any document exists), so both the schema and its absence are cached, for the most recently used Matters only.
 * Read failures are not cached: the next page tries again.
 */
final class MatterSchemas {

    /** The reason of pages whose Matter has a schema that cannot be used. */
    static final String INVALID_SCHEMA = "invalid-extraction-schema";

    private final BlobStore blobs;
    private final ExtractionSchema fallback;
    private final Map<String, ExtractionSchema> cache;

    MatterSchemas(BlobStore blobs, ExtractionSchema fallback, int cacheSize) {
        this.blobs = blobs;
        this.fallback = fallback;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ExtractionSchema> eldest) {
                return size() > cacheSize;
            }
        };
    }

    /** The default schema, for Matters without their own. */
    ExtractionSchema fallback() {
        return fallback;
    }

    /**
     * The schema of {@code matterId}. Fails with a {@link BadInputException} ({@value #INVALID_SCHEMA}) when the
     * stored schema is not a usable JSON Schema object.
     */
    Mono<ExtractionSchema> forMatter(String matterId) {
        return Mono.defer(() -> {
            ExtractionSchema cached;
            synchronized (cache) {
                cached = cache.get(matterId);
            }
            if (cached != null) {
                return Mono.just(cached);
            }
            return blobs.read(BlobPaths.matterSchema(matterId))
                    .map(content -> parse(matterId, new String(content.bytes(), StandardCharsets.UTF_8)))
                    .defaultIfEmpty(fallback)
                    .doOnNext(schema -> {
                        synchronized (cache) {
                            cache.put(matterId, schema);
                        }
                    });
        });
    }

    private static ExtractionSchema parse(String matterId, String text) {
        try {
            return ExtractionSchema.ofMatter(text);
        } catch (RuntimeException e) {
            throw new BadInputException(INVALID_SCHEMA, "The extraction schema of Matter " + matterId + " ("
                    + BlobPaths.matterSchema(matterId) + ") is not a usable JSON Schema: " + e.getMessage(), e);
        }
    }
}
