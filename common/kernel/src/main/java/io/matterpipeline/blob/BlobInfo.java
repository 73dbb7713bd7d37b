package io.matterpipeline.blob;

import java.time.Instant;
import java.util.Map;

/** What a store knows of a blob: its path, size, entity tag and metadata. */
public record BlobInfo(String path, long size, String etag, Instant lastModified, Map<String, String> metadata) {

    public BlobInfo {
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
