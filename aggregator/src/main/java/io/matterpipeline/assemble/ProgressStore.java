package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.PoisonException;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;
import tools.jackson.core.JacksonException;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.MatterProgress;

/**
 * Reads and updates the progress blobs with optimistic concurrency: read with the ETag, apply a pure fact, write with
 * {@code If-Match} (or {@code If-None-Match: *} for a new blob); a lost race re-reads and re-applies after a jittered,
 * exponentially growing, bounded delay. A fact that changes nothing writes nothing, so duplicates cost one read.
 * When the races are lost {@code casMaxAttempts} times in a row, the update fails with a {@link ConflictException}
 * (reason {@code progress-contention}) and the bus redelivers the message later.
 */
final class ProgressStore {

    static final String PRECONDITION_FAILED = "precondition-failed";

    private final BlobStore store;
    private final RetryBackoffSpec casRetry;

    ProgressStore(BlobStore store, AggregatorProperties.Progress settings) {
        this.store = store;
        this.casRetry = Retry.backoff(settings.casMaxAttempts(), settings.casFirstBackoff())
                .maxBackoff(settings.casMaxBackoff())
                .jitter(settings.casJitter())
                .filter(ProgressStore::isLostRace)
                .onRetryExhaustedThrow((spec, signal) -> new ConflictException("progress-contention",
                        "Gave up updating a progress blob after " + signal.totalRetries() + " conflicting writes",
                        signal.failure()));
    }

    /** The document's progress, or empty when nothing is recorded yet. */
    Mono<DocumentProgress> readDocument(String matterId, String documentId) {
        String path = BlobPaths.documentProgress(matterId, documentId);
        return store.read(path).map(content -> decode(path, content.bytes(), DocumentProgress.class));
    }

    /** Applies {@code fact} to the document's progress; emits the progress as stored afterwards. */
    Mono<DocumentProgress> updateDocument(String matterId, String documentId, UnaryOperator<DocumentProgress> fact) {
        return update(BlobPaths.documentProgress(matterId, documentId), DocumentProgress.class,
                () -> DocumentProgress.empty(matterId, documentId), fact);
    }

    /** The Matter's progress; an empty (open) progress when nothing is recorded yet. */
    Mono<MatterProgress> readMatter(String matterId) {
        String path = BlobPaths.matterProgress(matterId);
        return store.read(path)
                .map(content -> decode(path, content.bytes(), MatterProgress.class))
                .defaultIfEmpty(MatterProgress.empty(matterId));
    }

    /** Applies {@code fact} to the Matter's progress; emits the progress as stored afterwards. */
    Mono<MatterProgress> updateMatter(String matterId, UnaryOperator<MatterProgress> fact) {
        return update(BlobPaths.matterProgress(matterId), MatterProgress.class, () -> MatterProgress.empty(matterId),
                fact);
    }

    private <T> Mono<T> update(String path, Class<T> type, Supplier<T> initial, UnaryOperator<T> fact) {
        return Mono.defer(() -> store.read(path)
                        .map(content -> new Versioned<>(decode(path, content.bytes(), type), content.etag()))
                        .switchIfEmpty(Mono.fromSupplier(() -> new Versioned<>(initial.get(), null)))
                        .flatMap(current -> {
                            T next = fact.apply(current.value());
                            if (current.etag() != null && next.equals(current.value())) {
                                return Mono.just(next);
                            }
                            PutCondition condition = current.etag() == null
                                    ? PutCondition.ifAbsent()
                                    : PutCondition.ifMatch(current.etag());
                            return store.putBytes(path, MessageCodec.mapper().writeValueAsBytes(next), condition)
                                    .thenReturn(next);
                        }))
                .retryWhen(casRetry)
                .checkpoint("update " + path);
    }

    private static <T> T decode(String path, byte[] bytes, Class<T> type) {
        try {
            return MessageCodec.mapper().readValue(bytes, type);
        } catch (JacksonException e) {
            throw new PoisonException("corrupt-progress", "The progress blob " + path + " is not readable: "
                    + e.getOriginalMessage(), e);
        }
    }

    private static boolean isLostRace(Throwable error) {
        return error instanceof ConflictException conflict && PRECONDITION_FAILED.equals(conflict.reason());
    }

    private record Versioned<T>(T value, String etag) {
    }
}
