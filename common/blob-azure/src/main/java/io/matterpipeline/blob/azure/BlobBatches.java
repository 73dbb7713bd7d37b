package io.matterpipeline.blob.azure;

import com.azure.core.http.rest.Response;
import com.azure.storage.blob.batch.BlobBatch;
import com.azure.storage.blob.batch.BlobBatchAsyncClient;
import io.matterpipeline.error.TransientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs one kind of sub-request (delete, set tier) over many blobs with {@code azure-storage-blob-batch}: at most
 * {@code batchSize} (≤ 256) sub-requests per batch, {@code concurrency} batches in flight, and the failed sub-requests
 * of a round sent again after a doubling backoff. A 404 sub-response means the blob is gone, which is what both
 * operations want, so it counts as done but not as changed.
 */
final class BlobBatches {

    /** Adds the sub-request for one blob to a batch. */
    @FunctionalInterface
    interface SubRequest {
        Response<Void> add(BlobBatch batch, String path);
    }

    private final BlobBatchAsyncClient client;
    private final int batchSize;
    private final int concurrency;
    private final int retries;
    private final Duration backoff;

    BlobBatches(BlobBatchAsyncClient client, int batchSize, int concurrency, int retries, Duration backoff) {
        this.client = client;
        this.batchSize = batchSize;
        this.concurrency = concurrency;
        this.retries = retries;
        this.backoff = backoff;
    }

    /** Applies {@code subRequest} to every path; emits how many blobs were changed (missing ones excluded). */
    Mono<Long> run(String operation, Iterable<String> paths, SubRequest subRequest) {
        return Flux.fromIterable(new LinkedHashSet<>(asList(paths)))
                .buffer(batchSize)
                .flatMap(chunk -> round(operation, chunk, subRequest, 0), concurrency)
                .reduce(0L, Long::sum);
    }

    private Mono<Long> round(String operation, List<String> paths, SubRequest subRequest, int attempt) {
        return Mono.defer(() -> {
            BlobBatch batch = client.getBlobBatch();
            Map<String, Response<Void>> responses = new LinkedHashMap<>();
            for (String path : paths) {
                responses.put(path, subRequest.add(batch, path));
            }
            // throwOnAnyFailure=false: the sub-responses are judged one by one below.
            return client.submitBatchWithResponse(batch, false)
                    .map(ignored -> Outcome.of(responses))
                    .onErrorResume(AzureErrors::isTransient, error -> Mono.just(Outcome.allFailed(paths, error)));
        }).flatMap(outcome -> {
            if (outcome.failed().isEmpty()) {
                return Mono.just(outcome.changed());
            }
            if (attempt >= retries) {
                return Mono.error(new TransientException(AzureErrors.BLOB_UNAVAILABLE, operation + " failed for "
                        + outcome.failed().size() + " blob(s) after " + (retries + 1) + " attempts, e.g. "
                        + outcome.failed().get(0) + ": " + AzureErrors.summary(outcome.lastError()),
                        outcome.lastError()));
            }
            return Mono.delay(backoff.multipliedBy(1L << Math.min(attempt, 16)))
                    .then(round(operation, outcome.failed(), subRequest, attempt + 1))
                    .map(changedLater -> outcome.changed() + changedLater);
        });
    }

    private static List<String> asList(Iterable<String> paths) {
        List<String> list = new ArrayList<>();
        paths.forEach(list::add);
        return list;
    }

    /** What one batch did: blobs changed, paths whose sub-request failed, and the last failure seen. */
    private record Outcome(long changed, List<String> failed, Throwable lastError) {

        static Outcome of(Map<String, Response<Void>> responses) {
            long changed = 0;
            List<String> failed = new ArrayList<>();
            Throwable lastError = null;
            for (Map.Entry<String, Response<Void>> entry : responses.entrySet()) {
                try {
                    // Throws the sub-request's BlobStorageException when its status was not a success.
                    entry.getValue().getStatusCode();
                    changed++;
                } catch (RuntimeException error) {
                    if (!AzureErrors.isNotFound(error)) {
                        failed.add(entry.getKey());
                        lastError = error;
                    }
                }
            }
            return new Outcome(changed, failed, lastError);
        }

        static Outcome allFailed(List<String> paths, Throwable error) {
            return new Outcome(0, paths, error);
        }
    }
}
