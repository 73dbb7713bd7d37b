package io.matterpipeline.ingest.matter;

import io.matterpipeline.progress.MatterStatus;
import java.time.Instant;
import java.util.List;

/**
 * A Matter's status and progress: the manifest (what was uploaded, whether it is sealed) combined with the
 * aggregator's progress (what was split and read).
 *
 * @param state whether the Matter still accepts documents
 * @param status where processing is: OPEN, PROCESSING, then a final status
 * @param completedAt when the Matter reached its final status; null before
 * @param resultReady true once the Matter result can be fetched
 * @param totals the sums over {@code documents}
 */
public record MatterStatusView(String matterId, String name, MatterState state, MatterStatus status,
        Instant createdAt, Instant sealedAt, Instant completedAt, boolean resultReady, Totals totals,
        List<DocumentStatusView> documents) {

    public MatterStatusView {
        documents = List.copyOf(documents);
    }

    /**
     * Progress sums over a Matter's documents.
     *
     * @param pageCount pages of the documents split so far
     */
    public record Totals(int documents, int documentsSettled, int pageCount, int pagesDone, int pagesFailed) {

        static Totals of(List<DocumentStatusView> documents) {
            int settled = 0;
            int pages = 0;
            int done = 0;
            int failed = 0;
            for (DocumentStatusView document : documents) {
                settled += document.status().isSettled() ? 1 : 0;
                pages += document.pageCount() == null ? 0 : document.pageCount();
                done += document.pagesDone();
                failed += document.pagesFailed();
            }
            return new Totals(documents.size(), settled, pages, done, failed);
        }
    }
}
