package io.matterpipeline.assemble;

import io.matterpipeline.progress.DocumentProgress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Folds the facts about one document that arrive close together into one conditional write of its progress blob
 * (group commit), instead of a read-modify-write per page that every other page of the document races with.
 *
 * <p>A fact about a page waits at most {@code window} for others; a batch is written as soon as it holds
 * {@code maxBatch} facts, or when {@code maxWaiting} facts of all documents are waiting (with one fact per delivery the
 * consumer has no slot left to bring more; a worker's batch message brings many facts in one delivery, which may start
 * a write early), or when its page facts are as many as the pages the document still had outstanding at this
 * instance's last write of it: the last page of a document is folded at once, so the document's result (and the
 * Matter's) does not wait out the window. A fact about the whole document ({@link #applyNow}: its split, its failure)
 * is written at once with whatever waits beside it. One
 * document has one write in flight at a time; facts that arrive meanwhile form the next batch, written as soon as the
 * current one is done. After the write, {@code followUp} runs once for the batch with the progress as stored. Each
 * fact's {@link Mono} completes only after the write that holds it, and the follow-up, are done, so its message is
 * settled only after its effects are durable; if the write or the follow-up fails, every fact of the batch fails with
 * that error (and is retried by the bus: facts are idempotent). A fact whose own change throws (a page out of range)
 * fails alone with its error; the others are written.
 */
final class DocumentFactBatches {

    /** Documents whose outstanding pages are remembered for the early write of their last page. */
    static final int TRACKED_DOCUMENTS = 10_000;

    private final ProgressStore progress;
    private final Function<DocumentProgress, Mono<Void>> followUp;
    private final Duration window;
    private final int maxBatch;
    private final int maxWaiting;
    /**
     * Pages not settled yet per document, as of this instance's last write of its progress: only documents whose page
     * count is known and that have not settled, the most recently written {@link #TRACKED_DOCUMENTS} of them (a
     * document dropped here only waits out the window again). Another instance's facts make the real number smaller,
     * never larger, so a batch is never written early because of them; a duplicate fact may make one write early.
     * Guarded by {@code this}.
     */
    private final Map<DocumentKey, Integer> outstanding = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<DocumentKey, Integer> eldest) {
            return size() > TRACKED_DOCUMENTS;
        }
    };
    /** Guarded by {@code this}. */
    private final Map<DocumentKey, Lane> lanes = new HashMap<>();
    /** Facts in lanes not yet being written; guarded by {@code this}. */
    private int waiting;

    DocumentFactBatches(ProgressStore progress, Function<DocumentProgress, Mono<Void>> followUp, Duration window,
            int maxBatch, int maxWaiting) {
        this.progress = progress;
        this.followUp = followUp;
        this.window = window;
        this.maxBatch = maxBatch;
        this.maxWaiting = maxWaiting;
    }

    /**
     * Applies {@code fact}, which settles one page, to the document's progress together with the facts around it;
     * at once when it is the last page the document had outstanding.
     */
    Mono<Void> apply(String matterId, String documentId, UnaryOperator<DocumentProgress> fact) {
        return apply(new DocumentKey(matterId, documentId), fact, true);
    }

    /** Applies {@code fact}, about the whole document (its split, its failure), at once with the facts waiting beside it. */
    Mono<Void> applyNow(String matterId, String documentId, UnaryOperator<DocumentProgress> fact) {
        return apply(new DocumentKey(matterId, documentId), fact, false);
    }

    private Mono<Void> apply(DocumentKey key, UnaryOperator<DocumentProgress> fact, boolean aboutOnePage) {
        return Mono.defer(() -> {
            Pending pending = new Pending(fact, Sinks.one());
            List<Batch> ready = add(key, pending, aboutOnePage);
            ready.forEach(this::write);
            return pending.done().asMono();
        });
    }

    private synchronized List<Batch> add(DocumentKey key, Pending pending, boolean aboutOnePage) {
        Lane lane = lanes.computeIfAbsent(key, Lane::new);
        lane.pending.add(pending);
        lane.pendingPages += aboutOnePage ? 1 : 0;
        waiting++;
        if (waiting >= maxWaiting) {
            return takeAll();
        }
        // While a write is in flight the lane's facts wait for it: they are written as soon as it is done.
        if (!lane.writing && (lane.pending.size() >= maxBatch || !aboutOnePage || settlesEveryPage(lane))) {
            return List.of(take(lane));
        }
        if (!lane.writing && !lane.timerArmed) {
            lane.timerArmed = true;
            Mono.delay(window).subscribe(tick -> onWindowEnd(lane));
        }
        return List.of();
    }

    /** Whether the lane's page facts are as many as the pages its document had outstanding. Holds {@code this}. */
    private boolean settlesEveryPage(Lane lane) {
        Integer left = outstanding.get(lane.key);
        return left != null && lane.pendingPages >= left;
    }

    /** Remembers how many pages of the document are outstanding after a write of its progress. */
    private synchronized void learn(DocumentKey key, DocumentProgress stored) {
        if (stored.pageCount() == null || stored.status().isSettled()) {
            outstanding.remove(key);
        } else {
            outstanding.put(key, stored.pageCount() - stored.settledPages());
        }
    }

    private void onWindowEnd(Lane lane) {
        Batch batch;
        synchronized (this) {
            lane.timerArmed = false;
            if (lane.writing) {
                return;
            }
            if (lane.pending.isEmpty()) {
                lanes.remove(lane.key, lane);
                return;
            }
            batch = take(lane);
        }
        write(batch);
    }

    /** Every lane that is not writing, as batches (the consumer's slots are all waiting). */
    private List<Batch> takeAll() {
        List<Batch> batches = new ArrayList<>();
        for (Lane lane : lanes.values()) {
            if (!lane.writing && !lane.pending.isEmpty()) {
                batches.add(take(lane));
            }
        }
        return batches;
    }

    /** The lane's waiting facts as the next batch; the lane writes until {@link #written}. Holds {@code this}. */
    private Batch take(Lane lane) {
        List<Pending> facts = List.copyOf(lane.pending);
        lane.pending.clear();
        lane.pendingPages = 0;
        lane.writing = true;
        waiting -= facts.size();
        return new Batch(lane, facts);
    }

    private void write(Batch batch) {
        DocumentKey key = batch.lane().key;
        RuntimeException[] refused = new RuntimeException[batch.facts().size()];
        progress.updateDocument(key.matterId(), key.documentId(), document -> {
                    // Called again after a lost race, with the other writer's progress: start over each time.
                    DocumentProgress folded = document;
                    for (int i = 0; i < refused.length; i++) {
                        try {
                            folded = batch.facts().get(i).fact().apply(folded);
                            refused[i] = null;
                        } catch (RuntimeException e) {
                            refused[i] = e;
                        }
                    }
                    return folded;
                })
                .doOnNext(stored -> learn(key, stored))
                .flatMap(stored -> followUp.apply(stored).then(Mono.just(true)))
                .subscribe(done -> {
                    written(batch);
                    for (int i = 0; i < refused.length; i++) {
                        Sinks.One<Void> sink = batch.facts().get(i).done();
                        if (refused[i] != null) {
                            sink.tryEmitError(refused[i]);
                        } else {
                            sink.tryEmitEmpty();
                        }
                    }
                }, error -> {
                    written(batch);
                    batch.facts().forEach(pending -> pending.done().tryEmitError(error));
                });
    }

    /** The lane's write is over: its next batch (facts that came meanwhile) is written at once. */
    private void written(Batch batch) {
        Batch next = null;
        synchronized (this) {
            Lane lane = batch.lane();
            lane.writing = false;
            if (!lane.pending.isEmpty()) {
                next = take(lane);
            } else if (!lane.timerArmed) {
                lanes.remove(lane.key, lane);
            }
        }
        if (next != null) {
            write(next);
        }
    }

    private record DocumentKey(String matterId, String documentId) {
    }

    /** One document's facts: those waiting, and whether a write of the previous ones is in flight. */
    private static final class Lane {
        final DocumentKey key;
        final List<Pending> pending = new ArrayList<>();
        /** How many of {@link #pending} settle one page each. */
        int pendingPages;
        boolean writing;
        boolean timerArmed;

        Lane(DocumentKey key) {
            this.key = key;
        }
    }

    private record Pending(UnaryOperator<DocumentProgress> fact, Sinks.One<Void> done) {
    }

    private record Batch(Lane lane, List<Pending> facts) {
    }
}
