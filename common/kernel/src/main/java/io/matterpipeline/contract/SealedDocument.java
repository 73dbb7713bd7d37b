package io.matterpipeline.contract;

/** A document named in {@link MatterSealed}. */
public record SealedDocument(String documentId, String fileName) {
}
