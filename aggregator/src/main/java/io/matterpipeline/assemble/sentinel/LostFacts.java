package io.matterpipeline.assemble.sentinel;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.VersionedJson;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.bus.Settlement;
import io.matterpipeline.contract.DocumentFailed;
import io.matterpipeline.contract.DocumentSplit;
import io.matterpipeline.contract.Ids;
import io.matterpipeline.contract.MatterSealed;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PageFailed;
import io.matterpipeline.contract.PagesExtracted;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.MatterProgress;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Ends as a visible failure what a fact the results queue lost would have settled, so its Matter finishes (PARTIAL,
 * naming the reason) instead of staying PROCESSING. A fact is lost when the aggregator gives up on it (poison, or
 * failed on its last delivery: {@link MessageHandler#onGiveUp}) or when the broker dead-letters it without any handler
 * getting that far (the {@link DeadLetterSweep}).
 *
 * <p>Only what the stored progress does not already show settled is failed: a page recorded as read (the other
 * facts of a batch dead-lettered for one poison fact) stays read; a page outside its document (the poison fact
 * itself) cannot hold the Matter and is left alone; a Matter already final is not touched. Looking again after it
 * acted finds everything settled, so a second look (a redelivered give-up, a sweep after a restart) changes nothing.
 * What it records goes through the aggregator's own fact handling (the same idempotent progress folds and follow-up
 * steps as a message), with the dead letter's reason:
 * <ul>
 *   <li>{@link PageExtracted} (alone or in a {@link PagesExtracted}) or {@link PageFailed}: the page fails;</li>
 *   <li>{@link DocumentSplit} or {@link DocumentFailed}: the document fails;</li>
 *   <li>{@link MatterSealed}: a Matter whose seal is not recorded ends FAILED; one whose seal is recorded is put on the
 *       {@link WatchList} (again), so the {@link MatterWatchdog} finishes it.</li>
 * </ul>
 * The dead letter itself stays for an operator; replaying it later cannot change a Matter that is final.
 */
public final class LostFacts {

    private static final Logger log = LoggerFactory.getLogger(LostFacts.class);
    private static final VersionedJson.RetryPolicy READ_ONLY = new VersionedJson.RetryPolicy(0, Duration.ofMillis(1),
            Duration.ofMillis(1), 0);
    /** A recorded fact is handled as on its last delivery: a result that cannot be written is given up on. */
    private static final MessageHandler.DeliveryAttempt LAST = new MessageHandler.DeliveryAttempt(0, 1);

    private final VersionedJson<DocumentProgress> documents;
    private final VersionedJson<MatterProgress> matters;
    private final MessageHandler recorder;
    private final StalledMatters stalled;
    private final WatchList watchList;
    private final Clock clock;

    /**
     * @param store where the aggregator keeps its progress
     * @param recorder records a fact as the results queue's handler does (the aggregator's handler)
     * @param stalled ends a Matter FAILED
     */
    public LostFacts(BlobStore store, MessageHandler recorder, StalledMatters stalled, Clock clock) {
        this.documents = VersionedJson.of(store, MessageCodec.mapper(), DocumentProgress.class, "progress", READ_ONLY);
        this.matters = VersionedJson.of(store, MessageCodec.mapper(), MatterProgress.class, "progress", READ_ONLY);
        this.recorder = recorder;
        this.stalled = stalled;
        this.watchList = new WatchList(store);
        this.clock = clock;
    }

    /**
     * Fails what {@code lost} would have settled and is still unsettled; emits how many facts it recorded (0 when
     * everything was settled already). Fails transiently when the progress cannot be read or written: the caller
     * tries again (the give-up is redelivered, the sweep looks again).
     *
     * @param reason why it was lost (the dead-letter reason)
     * @param description the longer explanation
     */
    public Mono<Integer> settle(PipelineMessage lost, String reason, String description) {
        if (!Ids.isValid(lost.matterId())) {
            return Mono.just(0);
        }
        String why = reason == null ? "dead-lettered" : reason;
        String detail = "Its " + lost.type() + " message (" + lost.messageId() + ") was dead-lettered on the results "
                + "queue: " + why + (description == null ? "" : " - " + description);
        return matters.read(BlobPaths.matterProgress(lost.matterId()))
                .map(VersionedJson.Versioned::value)
                .defaultIfEmpty(MatterProgress.empty(lost.matterId()))
                .flatMap(matter -> matter.status().isFinal() ? Mono.just(0) : settle(matter, lost, why, detail));
    }

    private Mono<Integer> settle(MatterProgress matter, PipelineMessage lost, String reason, String description) {
        if (lost instanceof PagesExtracted batch) {
            return Flux.fromIterable(batch.facts())
                    .concatMap(fact -> page(fact.matterId(), fact.documentId(), fact.pageNumber(),
                            new PageFailed(fact.matterId(), fact.documentId(), fact.pageNumber(), reason,
                                    description)))
                    .reduce(0, Integer::sum);
        }
        if (lost instanceof PageExtracted fact) {
            return page(fact.matterId(), fact.documentId(), fact.pageNumber(), new PageFailed(fact.matterId(),
                    fact.documentId(), fact.pageNumber(), reason, description));
        }
        if (lost instanceof PageFailed fact) {
            return page(fact.matterId(), fact.documentId(), fact.pageNumber(), fact);
        }
        if (lost instanceof DocumentSplit split) {
            return document(split.matterId(), split.documentId(),
                    new DocumentFailed(split.matterId(), split.documentId(), reason, description));
        }
        if (lost instanceof DocumentFailed failed) {
            return document(failed.matterId(), failed.documentId(), failed);
        }
        if (lost instanceof MatterSealed sealed) {
            if (matter.isSealed()) {
                return watchList.add(sealed.matterId(), clock.instant()).thenReturn(0);
            }
            log.error("Matter {}: its seal was lost ({}); ending it FAILED", sealed.matterId(), reason);
            return stalled.fail(sealed.matterId(), reason, description).thenReturn(1);
        }
        return Mono.just(0);
    }

    /** Records {@code failure} unless the page is settled already or is not a page of its document. */
    private Mono<Integer> page(String matterId, String documentId, int pageNumber, PageFailed failure) {
        if (!Ids.isValid(documentId)) {
            return Mono.just(0);
        }
        return document(matterId, documentId)
                .filter(document -> pageNumber >= 1
                        && (document.pageCount() == null || pageNumber <= document.pageCount())
                        && !document.extractedPages().contains(pageNumber)
                        && !document.failedPages().containsKey(pageNumber))
                .flatMap(unsettled -> record(failure));
    }

    /** Records {@code failure} unless the document was split or failed already. */
    private Mono<Integer> document(String matterId, String documentId, DocumentFailed failure) {
        if (!Ids.isValid(documentId)) {
            return Mono.just(0);
        }
        return document(matterId, documentId)
                .filter(document -> document.pageCount() == null && document.documentFailure() == null)
                .flatMap(unsettled -> record(failure));
    }

    private Mono<DocumentProgress> document(String matterId, String documentId) {
        return documents.read(BlobPaths.documentProgress(matterId, documentId))
                .map(VersionedJson.Versioned::value)
                .defaultIfEmpty(DocumentProgress.empty(matterId, documentId));
    }

    private Mono<Integer> record(PipelineMessage failure) {
        return recorder.handle(failure, LAST)
                .thenReturn(1)
                .doOnSuccess(recorded -> log.warn("Recorded {} for a fact lost on the results queue",
                        failure.messageId()))
                .onErrorResume(error -> Settlement.of(error).action() == Settlement.Action.DEAD_LETTER,
                        poison -> {
                            log.warn("Cannot record {} for a lost fact: {}", failure.messageId(), poison.toString());
                            return Mono.just(0);
                        });
    }
}
