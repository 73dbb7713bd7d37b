package io.matterpipeline.ingest.matter;

import io.matterpipeline.progress.DocumentStatus;
import io.matterpipeline.progress.FailureNote;
import java.time.Instant;

/**
 * Where one document of a Matter is.
 *
 * @param kind the detected document kind (pdf, analyze-result, text, ...); null until split
 * @param pageCount null until the document was split
 * @param pagesDone pages read by the model so far
 * @param pagesFailed pages given up on
 * @param averageWordConfidence the OCR's average word confidence where the source carries one; null otherwise
 * @param failure why the whole document failed; null unless it did
 */
public record DocumentStatusView(String documentId, String fileName, long sizeBytes, Instant uploadedAt,
        DocumentStatus status, String kind, Integer pageCount, int pagesDone, int pagesFailed,
        Double averageWordConfidence, FailureNote failure) {
}
