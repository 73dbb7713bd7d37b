package io.matterpipeline.assemble;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.SealedDocument;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.DocumentStatus;
import io.matterpipeline.progress.FailureNote;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.progress.MatterStatus;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import tools.jackson.core.JsonGenerator;

/**
 * The small results written when the aggregator gives up on a document's or a Matter's result
 * ({@link AssemblyFailedException}): the usual layout, status FAILED, the reason in {@code failure} /
 * {@code failures}, no items and no pages. The page extractions stay in the store.
 */
final class FailedResults {

    private FailedResults() {
    }

    /** A FAILED document result. */
    static byte[] document(DocumentProgress progress, FailureNote note) {
        int pageCount = progress.pageCount() == null ? 0 : progress.pageCount();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator out = MessageCodec.mapper().createGenerator(bytes)) {
            out.writeStartObject();
            out.writeStringProperty("matterId", progress.matterId());
            out.writeStringProperty("documentId", progress.documentId());
            out.writeStringProperty("kind", progress.kind());
            out.writeStringProperty("status", DocumentStatus.FAILED.name());
            DocumentAssembler.writeNumber(out, "pageCount", progress.pageCount());
            DocumentAssembler.writeNumber(out, "averageWordConfidence", progress.averageWordConfidence());
            out.writeName("failure");
            DocumentAssembler.writeFailure(out, note);
            out.writeName("models");
            out.writeStartArray();
            out.writeEndArray();
            out.writeName("summary");
            out.writeStartObject();
            out.writeNumberProperty("pages", pageCount);
            out.writeNumberProperty("pagesExtracted", 0);
            out.writeNumberProperty("pagesFailed", pageCount);
            out.writeNumberProperty("pagesNoText", 0);
            out.writeNumberProperty("promptTokens", 0);
            out.writeNumberProperty("outputTokens", 0);
            out.writeNumberProperty("modelMillis", 0);
            out.writeEndObject();
            out.writeName("items");
            out.writeStartObject();
            out.writeEndObject();
            out.writeName("pages");
            out.writeStartArray();
            out.writeEndArray();
            out.writeEndObject();
        }
        return bytes.toByteArray();
    }

    /** A FAILED Matter result: each document with the status it settled with, the reason as the only failure. */
    static byte[] matter(MatterProgress progress, FailureNote note, Instant completedAt) {
        int documents = progress.documents() == null ? 0 : progress.documents().size();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator out = MessageCodec.mapper().createGenerator(bytes)) {
            out.writeStartObject();
            out.writeNumberProperty("schemaVersion", MatterResult.SCHEMA_VERSION);
            out.writeStringProperty("matterId", progress.matterId());
            out.writeStringProperty("status", MatterStatus.FAILED.name());
            out.writeNullProperty("model");
            out.writeName("models");
            out.writeStartArray();
            out.writeEndArray();
            out.writeStringProperty("completedAt", completedAt.toString());
            out.writeName("summary");
            out.writeStartObject();
            out.writeNumberProperty("documents", documents);
            out.writeNumberProperty("documentsCompleted", 0);
            out.writeNumberProperty("documentsPartial", 0);
            out.writeNumberProperty("documentsFailed", documents);
            for (String count : new String[] {"pages", "pagesExtracted", "pagesFailed", "promptTokens",
                "outputTokens", "modelMillis"}) {
                out.writeNumberProperty(count, 0);
            }
            out.writeEndObject();
            out.writeName("failures");
            out.writeStartArray();
            out.writeStartObject();
            out.writeNullProperty("documentId");
            out.writeNullProperty("fileName");
            out.writeNullProperty("pageNumber");
            out.writeStringProperty("reason", note.reason());
            out.writeStringProperty("description", note.description());
            out.writeEndObject();
            out.writeEndArray();
            out.writeName("items");
            out.writeStartObject();
            out.writeEndObject();
            out.writeName("documents");
            out.writeStartArray();
            if (progress.documents() != null) {
                for (SealedDocument document : progress.documents()) {
                    DocumentStatus settled = progress.settledDocuments().get(document.documentId());
                    out.writeStartObject();
                    out.writeStringProperty("documentId", document.documentId());
                    out.writeStringProperty("fileName", document.fileName());
                    out.writeStringProperty("status", settled == null ? null : settled.name());
                    out.writeEndObject();
                }
            }
            out.writeEndArray();
            out.writeEndObject();
        }
        return bytes.toByteArray();
    }
}
