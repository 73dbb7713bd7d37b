package io.matterpipeline.ingest.matter;

import java.nio.ByteBuffer;
import reactor.core.publisher.Flux;

/**
 * A document as an uploader sends it.
 *
 * @param fileName the uploader's file name; only its last path segment is kept, as a label
 * @param declaredContentType the uploader's claim; may be null (the page-splitter detects the type from the content)
 * @param content the bytes, consumed once; buffers are not retained after they were written
 */
public record DocumentUpload(String fileName, String declaredContentType, Flux<ByteBuffer> content) {
}
