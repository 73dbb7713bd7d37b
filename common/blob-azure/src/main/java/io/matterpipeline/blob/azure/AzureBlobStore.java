package io.matterpipeline.blob.azure;

import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobAsyncClient;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobServiceAsyncClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.batch.BlobBatchAsyncClient;
import com.azure.storage.blob.batch.BlobBatchClientBuilder;
import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.DownloadRetryOptions;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import io.matterpipeline.blob.BlobContent;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPathRules;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.BlobTiering;
import io.matterpipeline.blob.PutCondition;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@link BlobStore} on Azure Blob Storage (and Azurite), with the {@link BlobTiering} capability.
 *
 * <p>Every blob is a block blob in one container. Uploads stream: bodies up to {@code block-size} go up in one Put
 * Blob, larger ones as staged blocks of {@code block-size}, {@code max-concurrency} at a time, committed with one Put
 * Block List that carries the write condition, so a reader sees the old or the new blob, never a mix. Downloads
 * stream the response body and resume from the last byte received (pinned to the ETag) when the connection drops.
 * Conditions map to {@code If-Match} / {@code If-None-Match: *}. Delete-all and archive use blob batches of at most
 * 256 sub-requests. Every HTTP request goes through the JDK HTTP client, retried by the storage retry policy on 5xx,
 * timeouts and connection errors; what still fails is classified once: 404 → {@code NotFoundException}, a failed
 * condition → {@code ConflictException("precondition-failed")}, 5xx / timeouts / I/O → {@code TransientException}.
 *
 * <p>Create one with {@link #create(AzureBlobProperties)}, or let {@link AzureBlobAutoConfiguration} do it.
 */
public final class AzureBlobStore implements BlobStore, BlobTiering {

    /**
     * Error bodies are small and read more than once on the way to a {@code BlobStorageException} (the download path
     * does); the JDK client's response body can be subscribed to only once, so error responses are buffered first.
     */
    private static final HttpPipelinePolicy BUFFER_ERROR_RESPONSES = (context, next) -> next.process()
            .map(response -> response.getStatusCode() >= 400 ? response.buffer() : response);

    private final BlobContainerAsyncClient container;
    private final BlobBatches batches;
    private final ParallelTransferOptions transfer;
    private final DownloadRetryOptions downloadRetry;
    /** Set once the container is known to exist, so the check costs one request per store, not per write. */
    private volatile boolean containerReady;

    AzureBlobStore(BlobContainerAsyncClient container, BlobBatchAsyncClient batch, AzureBlobProperties properties) {
        this.container = container;
        this.batches = new BlobBatches(batch, properties.batchSize(), properties.batchConcurrency(),
                properties.batchRetries(), properties.batchRetryBackoff());
        long blockSize = properties.blockSize().toBytes();
        // maxSingleUploadSize defaults to 256 MB, and the SDK buffers up to that much to decide between one Put Blob
        // and staged blocks: capping it at the block size is what keeps a 200 MB document out of memory.
        this.transfer = new ParallelTransferOptions()
                .setBlockSizeLong(blockSize)
                .setMaxSingleUploadSizeLong(blockSize)
                .setMaxConcurrency(properties.maxConcurrency());
        this.downloadRetry = new DownloadRetryOptions().setMaxRetryRequests(Math.max(0, properties.maxTries() - 1));
        this.containerReady = !properties.createContainer();
    }

    /**
     * A store for the account and container in {@code properties}: connection string when set, else the account URL
     * with {@code DefaultAzureCredential}. No request is sent until the first operation; the container is created on
     * the first write when missing and {@code create-container} is on.
     *
     * @throws IllegalArgumentException when neither a connection string nor an account URL is configured
     */
    public static AzureBlobStore create(AzureBlobProperties properties) {
        HttpClient http = httpClient();
        BlobServiceClientBuilder builder = new BlobServiceClientBuilder()
                .httpClient(http)
                .retryOptions(new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, properties.maxTries(),
                        properties.tryTimeout(), Duration.ofMillis(200), Duration.ofSeconds(10), null))
                .addPolicy(BUFFER_ERROR_RESPONSES);
        if (properties.connectionString() != null) {
            builder.connectionString(properties.connectionString());
        } else if (properties.accountUrl() != null) {
            builder.endpoint(properties.accountUrl().toString())
                    .credential(new DefaultAzureCredentialBuilder().httpClient(http).build());
        } else {
            throw new IllegalArgumentException("matter-pipeline.blob.azure needs connection-string (development) or "
                    + "account-url (production, DefaultAzureCredential)");
        }
        BlobServiceAsyncClient service = builder.buildAsyncClient();
        BlobContainerAsyncClient container = service.getBlobContainerAsyncClient(properties.container());
        BlobBatchAsyncClient batch = new BlobBatchClientBuilder(container).buildAsyncClient();
        return new AzureBlobStore(container, batch, properties);
    }

    private static HttpClient httpClient() {
        // Azure Storage speaks HTTP/1.1; asking the JDK client for it avoids an h2c upgrade attempt on http:// URLs.
        return new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1))
                .connectionTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** The container this store writes to. */
    public String containerName() {
        return container.getBlobContainerName();
    }

    @Override
    public Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition,
            Map<String, String> metadata) {
        return Mono.defer(() -> {
            BlobPathRules.requirePath(path);
            AtomicLong size = new AtomicLong();
            Flux<ByteBuffer> counted = content.doOnNext(buffer -> size.addAndGet(buffer.remaining()));
            Map<String, String> meta = metadata == null ? Map.of() : metadata;
            BlobParallelUploadOptions options = new BlobParallelUploadOptions(counted)
                    .setParallelTransferOptions(transfer)
                    .setMetadata(meta.isEmpty() ? null : meta)
                    .setRequestConditions(conditions(condition));
            return ensureContainer()
                    .then(blob(path).uploadWithResponse(options))
                    .map(response -> new BlobInfo(path, size.get(), quoted(response.getValue().getETag()),
                            instant(response.getValue().getLastModified()), meta));
        }).onErrorMap(error -> AzureErrors.onWrite(error, path, condition instanceof PutCondition.IfMatch));
    }

    @Override
    public Flux<ByteBuffer> get(String path) {
        return Mono.defer(() -> {
            BlobPathRules.requirePath(path);
            return blob(path).downloadStreamWithResponse(null, downloadRetry, null, false);
        }).flatMapMany(response -> response.getValue())
                .onErrorMap(error -> AzureErrors.onRead(error, path));
    }

    @Override
    public Mono<BlobInfo> stat(String path) {
        return Mono.defer(() -> {
            BlobPathRules.requirePath(path);
            return blob(path).getProperties();
        }).map(properties -> info(path, properties))
                .onErrorResume(AzureErrors::isNotFound, error -> Mono.empty())
                .onErrorMap(error -> AzureErrors.onRead(error, path));
    }

    @Override
    public Mono<BlobContent> read(String path) {
        return Mono.defer(() -> {
            BlobPathRules.requirePath(path);
            return blob(path).downloadContentWithResponse(downloadRetry, null);
        }).map(response -> new BlobContent(response.getValue().toBytes(),
                        quoted(response.getDeserializedHeaders().getETag())))
                .onErrorResume(AzureErrors::isNotFound, error -> Mono.empty())
                .onErrorMap(error -> AzureErrors.onRead(error, path));
    }

    @Override
    public Flux<BlobInfo> list(String prefix) {
        // A flat listing comes back in lexicographic name order, page after page.
        return Flux.defer(() -> container.listBlobs(new ListBlobsOptions()
                        .setPrefix(BlobPathRules.requirePrefix(prefix).isEmpty() ? null : prefix)
                        .setDetails(new BlobListDetails().setRetrieveMetadata(true))
                        .setMaxResultsPerPage(5000)))
                .map(AzureBlobStore::info)
                .onErrorResume(AzureErrors::isNotFound, error -> Flux.empty())
                .onErrorMap(error -> AzureErrors.onRead(error, "prefix " + prefix));
    }

    @Override
    public Mono<Long> deleteAll(Collection<String> paths) {
        return Mono.defer(() -> {
            paths.forEach(BlobPathRules::requirePath);
            // Sub-requests by full blob URL: their path then carries the account segment of path-style endpoints
            // (Azurite), which the (container, name) overload leaves out.
            return batches.run("delete", paths, (batch, path) -> batch.deleteBlob(blob(path).getBlobUrl()));
        }).onErrorMap(error -> AzureErrors.onRead(error, paths.size() + " blob(s)"));
    }

    /** Moves the given blobs to the Cool access tier with batched Set Blob Tier requests. */
    @Override
    public Mono<Long> archive(Collection<String> paths) {
        return Mono.defer(() -> {
            paths.forEach(BlobPathRules::requirePath);
            return batches.run("archive", paths,
                    (batch, path) -> batch.setBlobAccessTier(blob(path).getBlobUrl(), AccessTier.COOL));
        }).onErrorMap(error -> AzureErrors.onRead(error, paths.size() + " blob(s)"));
    }

    /** The blob client of a path; package-private for tests that look at Azure-only properties such as the tier. */
    BlobAsyncClient blob(String path) {
        return container.getBlobAsyncClient(path);
    }

    private Mono<Void> ensureContainer() {
        if (containerReady) {
            return Mono.empty();
        }
        // Concurrent first writes may each ask; Create Container if-not-exists is idempotent.
        return container.createIfNotExists().doOnSuccess(created -> containerReady = true).then();
    }

    private static BlobRequestConditions conditions(PutCondition condition) {
        if (condition instanceof PutCondition.IfMatch ifMatch) {
            return new BlobRequestConditions().setIfMatch(ifMatch.etag());
        }
        if (condition instanceof PutCondition.IfAbsent) {
            return new BlobRequestConditions().setIfNoneMatch("*");
        }
        return null;
    }

    private static BlobInfo info(String path, BlobProperties properties) {
        return new BlobInfo(path, properties.getBlobSize(), quoted(properties.getETag()),
                instant(properties.getLastModified()), properties.getMetadata());
    }

    private static BlobInfo info(BlobItem item) {
        return new BlobInfo(item.getName(), item.getProperties().getContentLength(),
                quoted(item.getProperties().getETag()), instant(item.getProperties().getLastModified()),
                item.getMetadata());
    }

    /**
     * Response headers carry the ETag quoted, listings unquoted; callers compare ETags as opaque strings, so every
     * ETag leaves this store in the quoted header form (which If-Match accepts).
     */
    private static String quoted(String etag) {
        if (etag == null || etag.isEmpty() || etag.startsWith("\"")) {
            return etag;
        }
        return "\"" + etag + "\"";
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
