package io.matterpipeline.assemble;

import io.matterpipeline.assemble.sentinel.LostFacts;
import io.matterpipeline.assemble.sentinel.StalledMatters;
import io.matterpipeline.assemble.sentinel.WatchList;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.contract.DocumentFailed;
import io.matterpipeline.contract.DocumentSplit;
import io.matterpipeline.contract.Ids;
import io.matterpipeline.contract.MatterCompleted;
import io.matterpipeline.contract.MatterSealed;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PageFailed;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.SealedDocument;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.PoisonException;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.DocumentStatus;
import io.matterpipeline.progress.FailureNote;
import io.matterpipeline.progress.MatterProgress;
import io.matterpipeline.progress.MatterStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * The aggregator's handler of the results queue. Each message is a fact ({@link DocumentSplit},
 * {@link DocumentFailed}, {@link PageExtracted}, {@link PageFailed}, {@link MatterSealed}; a worker's batch,
 * {@link io.matterpipeline.contract.PagesExtracted}, arrives as its single PageExtracted facts, handed over at once by
 * the queue consumer) recorded in the progress
 * blobs by compare-and-swap; then, whether or not the fact was new (a redelivery after a crash must finish what the
 * first delivery started), the follow-up steps run:
 * <ol>
 *   <li>a settled document gets its result written, then is recorded as settled in the Matter progress;</li>
 *   <li>a sealed Matter whose documents all settled gets its result written, then its progress set to the final
 *       status, then {@link MatterCompleted} published.</li>
 * </ol>
 * Each step is durable before the next one says it happened, and everything is derived from the stored facts, so
 * duplicates, reordering, restarts and several aggregator instances never change a result (except its timestamp).
 * Once a Matter is final it no longer changes; a late duplicate only republishes MatterCompleted (same message id).
 * A cancelled Matter (the ingest service wrote its cancel marker and created the CANCELLED Matter result before a
 * finisher created one; the aggregator then records the final status CANCELLED itself, the only writer of progress)
 * gets no more document or Matter results and is never announced here: late facts are recorded in the document
 * progress and nothing else happens.
 *
 * <p>Any message type other than these five is poison ({@code unexpected-message-type}).
 */
public final class MatterAssembler implements MessageHandler, StalledMatters {

    private static final Logger log = LoggerFactory.getLogger(MatterAssembler.class);

    private final BlobStore store;
    private final MessageBus bus;
    private final String mattersCompletedQueue;
    private final ProgressStore progress;
    private final DocumentFactBatches facts;
    private final DocumentAssembler documents;
    private final MergeKey keys;
    private final AssemblySettings assembly;
    private final int readConcurrency;
    private final Clock clock;
    private final MeterRegistry meters;
    private final WatchList watchList;
    private final LostFacts lostFacts;

    MatterAssembler(BlobStore store, MessageBus bus, String mattersCompletedQueue, AggregatorProperties properties,
            Clock clock) {
        this(store, bus, mattersCompletedQueue, properties, clock, Metrics.globalRegistry);
    }

    MatterAssembler(BlobStore store, MessageBus bus, String mattersCompletedQueue, AggregatorProperties properties,
            Clock clock, MeterRegistry meters) {
        this.meters = meters;
        this.store = store;
        this.bus = bus;
        this.mattersCompletedQueue = mattersCompletedQueue;
        this.progress = new ProgressStore(store, properties.progress());
        this.facts = new DocumentFactBatches(progress, this::followUp, properties.progress().batchWindow(),
                properties.progress().batchMaxFacts(), properties.concurrency());
        Set<String> ignored = new HashSet<>(properties.merge().keyIgnoredFields());
        this.keys = new MergeKey(ignored);
        this.readConcurrency = properties.merge().readConcurrency();
        this.assembly = AssemblySettings.of(properties.merge());
        this.documents = new DocumentAssembler(store, keys, assembly);
        this.clock = clock;
        this.watchList = new WatchList(store);
        this.lostFacts = new LostFacts(store, this, this, clock);
    }

    @Override
    public Mono<Void> handle(PipelineMessage message, DeliveryAttempt attempt) {
        return Mono.defer(() -> dispatch(message))
                .onErrorResume(AssemblyFailedException.class, failed -> failed.retryCanHelp() && !attempt.isLast()
                        ? Mono.error(failed)
                        : giveUp(failed))
                .checkpoint("aggregate " + message.messageId());
    }

    /**
     * A fact about to be dead-lettered (poison, or failed on its last delivery) ends as the failure of what it would
     * have settled, so its Matter still finishes ({@link LostFacts}).
     */
    @Override
    public Mono<Void> onGiveUp(PipelineMessage message, String reason, String description) {
        return lostFacts.settle(message, reason, description).then();
    }

    /** What ends the facts the broker dead-lettered on the results queue (the dead-letter sweep's). */
    public LostFacts lostFacts() {
        return lostFacts;
    }

    private Mono<Void> dispatch(PipelineMessage message) {
        Ids.require("matterId", message.matterId());
        if (message instanceof DocumentSplit split) {
            if (split.pageCount() < 0) {
                throw new BadInputException("invalid-page-count", "DocumentSplit with page count " + split.pageCount());
            }
            return onDocumentFact(split.matterId(), split.documentId(),
                    document -> document.withSplit(split.kind(), split.pageCount(), split.averageWordConfidence()));
        }
        if (message instanceof DocumentFailed failure) {
            FailureNote note = new FailureNote(failure.reason(), failure.description());
            return onDocumentFact(failure.matterId(), failure.documentId(),
                    document -> document.withDocumentFailure(note));
        }
        if (message instanceof PageExtracted page) {
            return onPageFact(page.matterId(), page.documentId(),
                    document -> checkPage(document, page.pageNumber()).withPageExtracted(page.pageNumber()));
        }
        if (message instanceof PageFailed page) {
            FailureNote note = new FailureNote(page.reason(), page.description());
            return onPageFact(page.matterId(), page.documentId(),
                    document -> checkPage(document, page.pageNumber()).withPageFailed(page.pageNumber(), note));
        }
        if (message instanceof MatterSealed sealed) {
            return onSealed(sealed);
        }
        throw new PoisonException("unexpected-message-type",
                "The aggregator does not handle " + message.type() + " messages (" + message.messageId() + ")");
    }

    /** A page number outside the document would make it settle too early or never: the message is poison. */
    private static DocumentProgress checkPage(DocumentProgress document, int pageNumber) {
        if (pageNumber < 1 || (document.pageCount() != null && pageNumber > document.pageCount())) {
            throw new PoisonException("page-out-of-range", "Page " + pageNumber + " of document "
                    + document.documentId() + " with " + document.pageCount() + " pages");
        }
        return document;
    }

    /** Records a fact about the whole document (its split, its failure) at once ({@link DocumentFactBatches}). */
    private Mono<Void> onDocumentFact(String matterId, String documentId, UnaryOperator<DocumentProgress> fact) {
        Ids.require("documentId", documentId);
        return facts.applyNow(matterId, documentId, fact);
    }

    /**
     * Records the fact about one page with the others of its document that arrive meanwhile
     * ({@link DocumentFactBatches}).
     */
    private Mono<Void> onPageFact(String matterId, String documentId, UnaryOperator<DocumentProgress> fact) {
        Ids.require("documentId", documentId);
        return facts.apply(matterId, documentId, fact);
    }

    /** After a batch of a document's facts is written: a settled document's result, and the Matter's if it is done. */
    private Mono<Void> followUp(DocumentProgress document) {
        return document.status().isSettled()
                ? settleDocument(document).then(completeIfDone(document.matterId()))
                : Mono.empty();
    }

    private Mono<Void> onSealed(MatterSealed sealed) {
        List<SealedDocument> sealedDocuments = sealed.documents() == null ? List.of() : sealed.documents();
        sealedDocuments.forEach(document -> Ids.require("documentId", document.documentId()));
        return progress.updateMatter(sealed.matterId(), matter -> matter.withSealed(sealedDocuments, clock.instant()))
                .flatMap(matter -> matter.status().isFinal() ? Mono.empty()
                        : watchList.add(sealed.matterId(), clock.instant()))
                .then(followUp(sealed.matterId()));
    }

    /**
     * The follow-up steps of a sealed Matter: documents that settled (including before a crash cut their follow-up
     * short) get their results, then the Matter is finished if every document settled.
     */
    private Mono<Void> followUp(String matterId) {
        return progress.readMatter(matterId)
                .flatMapMany(matter -> matter.status().isFinal() || !matter.isSealed()
                        ? Flux.empty()
                        : Flux.fromIterable(matter.documents()))
                .flatMap(document -> progress.readDocument(matterId, document.documentId())
                        .filter(documentProgress -> documentProgress.status().isSettled())
                        .flatMap(this::settleDocument), readConcurrency)
                .then(completeIfDone(matterId));
    }

    @Override
    public Mono<State> state(String matterId) {
        return progress.readMatter(matterId).flatMap(matter -> {
            if (matter.status().isFinal()) {
                return Mono.just(State.FINAL);
            }
            if (!matter.isSealed()) {
                return Mono.just(State.GONE);
            }
            Mono<Instant> matterChanged = store.stat(BlobPaths.matterProgress(matterId)).map(BlobInfo::lastModified);
            // Documents not recorded as settled yet: settled by their own progress, or still being read.
            return Flux.fromIterable(matter.documents())
                    .filter(document -> !matter.settledDocuments().containsKey(document.documentId()))
                    .flatMap(document -> progress.readDocument(matterId, document.documentId())
                            .filter(documentProgress -> documentProgress.status().isSettled())
                            .flatMap(settled -> store.stat(BlobPaths.documentProgress(matterId,
                                    document.documentId())).map(BlobInfo::lastModified))
                            .defaultIfEmpty(Instant.MAX), readConcurrency)
                    .mergeWith(matterChanged)
                    .reduce((a, b) -> a.isAfter(b) ? a : b)
                    .map(newest -> newest.equals(Instant.MAX) ? State.OPEN : new State(Phase.SETTLED, newest));
        });
    }

    @Override
    public Mono<Void> finish(String matterId) {
        return followUp(matterId).onErrorResume(AssemblyFailedException.class,
                failed -> failed.retryCanHelp() ? Mono.error(failed) : giveUp(failed));
    }

    @Override
    public Mono<Void> fail(String matterId, String reason, String description) {
        return failMatter(matterId, new FailureNote(reason, description));
    }

    /** Writes a settled document's result, then records it as settled in the Matter progress. */
    private Mono<Void> settleDocument(DocumentProgress document) {
        String matterId = document.matterId();
        return progress.readMatter(matterId)
                .filter(matter -> !matter.status().isFinal()
                        && !document.status().equals(matter.settledDocuments().get(document.documentId())))
                .filterWhen(matter -> notCancelled(matterId))
                .flatMap(matter -> documents.write(document)
                        .onErrorMap(error -> !(error instanceof AssemblyFailedException),
                                error -> new AssemblyFailedException(matterId, document.documentId(), error)))
                .flatMap(written -> progress.updateMatter(matterId,
                        matter -> matter.withSettledDocument(document.documentId(), document.status())))
                .then();
    }

    /** Finishes the Matter when it is sealed and every document settled; re-announces a final Matter. */
    private Mono<Void> completeIfDone(String matterId) {
        return progress.readMatter(matterId).flatMap(matter -> {
            if (matter.status().isFinal()) {
                return announce(matter);
            }
            if (!matter.allDocumentsSettled()) {
                return Mono.empty();
            }
            return finish(matter);
        });
    }

    /**
     * Writes the Matter result, then the final status, then announces. The result is written only if the result blob
     * did not change since this finisher looked ({@code If-Match}/{@code If-None-Match}): a cancel (ingest's
     * {@code POST /v1/matters/{id}/cancel}) creates its CANCELLED result with {@code If-None-Match: *}, so whichever
     * of the two creates the result first wins, and a finisher that lost must not overwrite the CANCELLED result with
     * its own. A CANCELLED result found before or after a refused write is recorded as the final status. When the
     * write is refused, the progress decides: final (cancelled, or finished by another instance) means done;
     * otherwise another finisher is between its result and its final status, and this one tries again shortly (a few
     * times, then the message is retried by the bus).
     */
    private Mono<Void> finish(MatterProgress matter) {
        return conclude(matter, (condition, completedAt) -> writeResult(matter, condition, completedAt));
    }

    /**
     * Writes the result with {@code writer}, then the final status it returns, then announces (see finish); nothing
     * when a cancel created its result first.
     */
    private Mono<Void> conclude(MatterProgress matter,
            BiFunction<PutCondition, Instant, Mono<MatterStatus>> writer) {
        return recordCancellation(matter.matterId())
                .flatMap(cancelled -> cancelled ? Mono.<Void>empty() : write(matter, writer));
    }

    private Mono<Void> write(MatterProgress matter, BiFunction<PutCondition, Instant, Mono<MatterStatus>> writer) {
        String matterId = matter.matterId();
        String resultPath = BlobPaths.matterResult(matterId);
        Instant completedAt = clock.instant();
        Mono<PutCondition> unchanged = Mono.defer(() -> store.stat(resultPath))
                .map(existing -> PutCondition.ifMatch(existing.etag()))
                .defaultIfEmpty(PutCondition.ifAbsent());
        return unchanged.flatMap(condition -> writer.apply(condition, completedAt)
                        .flatMap(status -> progress.updateMatter(matterId,
                                current -> current.withFinalStatus(status, completedAt)))
                        .onErrorResume(PutCondition::refused, lost -> recordCancellation(matterId)
                                .then(progress.readMatter(matterId))
                                .flatMap(current -> current.status().isFinal()
                                        ? Mono.<MatterProgress>empty()
                                        : Mono.error(lost))))
                .retryWhen(Retry.backoff(3, Duration.ofMillis(20)).filter(PutCondition::refused)
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                // A racing finisher that lost the final write leaves the announcement to the winner, whose message
                // is only settled once it announced (or is redelivered and announces then).
                .filter(done -> completedAt.equals(done.completedAt()))
                .doOnNext(done -> {
                    log.info("Matter {} finished: {}", matterId, done.status());
                    recordDuration(done);
                })
                .flatMap(this::announce);
    }

    /**
     * Streams the Matter result into the store ({@link MatterResult}: two passes over the document results, merged
     * items through disk) and emits its status. A document result that went missing is written again first.
     */
    private Mono<MatterStatus> writeResult(MatterProgress matter, PutCondition condition, Instant completedAt) {
        String matterId = matter.matterId();
        String resultPath = BlobPaths.matterResult(matterId);
        return Flux.fromIterable(matter.documents())
                .flatMap(document -> ensureDocumentResult(matterId, document.documentId()), readConcurrency)
                .then(assembly.permits().run(Mono.usingWhen(
                        Mono.fromCallable(() -> new MatterResult(store, matterId, matter.documents(), completedAt,
                                keys, assembly)),
                        result -> Mono.fromRunnable(result::summarise)
                                .subscribeOn(Schedulers.boundedElastic())
                                .then(Mono.defer(() -> store.put(resultPath, JsonStreams.body(result::write),
                                        condition, Map.of())))
                                .then(Mono.fromSupplier(result::status)),
                        result -> Mono.fromRunnable(result::close).subscribeOn(Schedulers.boundedElastic()))))
                .onErrorMap(error -> !PutCondition.refused(error) && !(error instanceof AssemblyFailedException),
                        error -> new AssemblyFailedException(matterId, null, error));
    }

    /**
     * Whether the Matter was cancelled: ingest writes its cancel marker first, so a Matter without one was not (one
     * stat); with one, the cancel won only if its CANCELLED result is there ({@link #recordCancellation}).
     */
    private Mono<Boolean> notCancelled(String matterId) {
        return store.stat(BlobPaths.matterCancellation(matterId)).hasElement()
                .flatMap(marked -> marked ? recordCancellation(matterId).map(cancelled -> !cancelled)
                        : Mono.just(true));
    }

    /**
     * Records the final status CANCELLED in the Matter progress when the Matter result is ingest's CANCELLED one
     * (the cancel created the result before any finisher did: it won the race); emits whether it is.
     */
    private Mono<Boolean> recordCancellation(String matterId) {
        return store.stat(BlobPaths.matterResult(matterId))
                .filter(result -> MatterStatus.CANCELLED.name().equals(result.metadata().get(BlobPaths.RESULT_STATUS)))
                .flatMap(result -> progress.updateMatter(matterId,
                                current -> current.withFinalStatus(MatterStatus.CANCELLED, result.lastModified()))
                        .thenReturn(true))
                .defaultIfEmpty(false);
    }

    /** Writes a settled document's result again if it went missing. */
    private Mono<Void> ensureDocumentResult(String matterId, String documentId) {
        return store.stat(BlobPaths.documentResult(matterId, documentId))
                .map(existing -> true)
                .switchIfEmpty(Mono.defer(() -> progress.readDocument(matterId, documentId)
                        .switchIfEmpty(Mono.error(() -> new PoisonException("document-progress-missing",
                                "Document " + documentId + " is recorded as settled but has no progress")))
                        .flatMap(documents::write)
                        .thenReturn(true)))
                .then();
    }

    /**
     * Gives up on a result that cannot be written (see {@link AssemblyFailedException}): a document gets a FAILED
     * document result naming the reason and is recorded as settled, so its Matter finishes (PARTIAL or FAILED); a
     * Matter gets a FAILED result naming the reason. Either way nothing waits forever.
     */
    Mono<Void> giveUp(AssemblyFailedException failed) {
        String matterId = failed.matterId();
        FailureNote note = new FailureNote(AssemblyFailedException.REASON, failed.getMessage());
        log.error("Giving up on {}", failed.getMessage(), failed.getCause());
        if (failed.documentId() != null) {
            String documentId = failed.documentId();
            return progress.readDocument(matterId, documentId)
                    .flatMap(document -> store.putBytes(BlobPaths.documentResult(matterId, documentId),
                                    FailedResults.document(document, note), PutCondition.none())
                            .then(progress.updateMatter(matterId,
                                    matter -> matter.withSettledDocument(documentId, DocumentStatus.FAILED))))
                    .then(completeIfDone(matterId))
                    .onErrorResume(AssemblyFailedException.class,
                            matterFailed -> matterFailed.documentId() == null ? giveUp(matterFailed)
                                    : Mono.error(matterFailed));
        }
        return failMatter(matterId, note);
    }

    private Mono<Void> failMatter(String matterId, FailureNote note) {
        return progress.readMatter(matterId).flatMap(matter -> matter.status().isFinal()
                ? announce(matter)
                : conclude(matter, (condition, completedAt) -> store.put(BlobPaths.matterResult(matterId),
                                Flux.just(ByteBuffer.wrap(FailedResults.matter(matter, note, completedAt))),
                                condition, Map.of())
                        .thenReturn(MatterStatus.FAILED)));
    }

    /** {@code matterpipeline.matter.duration}: from the recorded seal to the final status, by final status. */
    private void recordDuration(MatterProgress done) {
        if (done.sealedAt() != null && done.completedAt() != null) {
            Timer.builder("matterpipeline.matter.duration")
                    .description("Time from a Matter's seal to its final status, as the aggregator recorded them")
                    .tag("status", done.status().name())
                    .register(meters)
                    .record(Duration.between(done.sealedAt(), done.completedAt()));
        }
    }

    /** Announces a final Matter (not a cancelled one: whoever cancelled does) and takes it off the watch list. */
    private Mono<Void> announce(MatterProgress matter) {
        Mono<Void> unwatch = watchList.remove(matter.matterId());
        if (matter.status() == MatterStatus.CANCELLED) {
            return unwatch;
        }
        MatterCompleted completed = new MatterCompleted(matter.matterId(), matter.status().name(),
                BlobPaths.matterResult(matter.matterId()));
        return bus.publish(mattersCompletedQueue, MessageCodec.encode(completed)).then(unwatch);
    }
}
