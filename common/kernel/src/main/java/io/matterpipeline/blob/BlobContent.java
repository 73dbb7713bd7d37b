package io.matterpipeline.blob;

/** A small blob read whole, with the ETag to use in a following conditional write. */
public record BlobContent(byte[] bytes, String etag) {
}
