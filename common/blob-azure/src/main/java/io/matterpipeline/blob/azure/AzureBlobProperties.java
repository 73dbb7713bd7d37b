package io.matterpipeline.blob.azure;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.config.ConnectionStrings;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the Azure Blob Storage adapter, active when {@code matter-pipeline.blob.type=azure}. Exactly one of
 * {@code connection-string} (development, Azurite) and {@code account-url} (production, authenticated with
 * {@code DefaultAzureCredential}: managed identity, workload identity, environment, Azure CLI) is needed; the
 * connection string wins when both are set.
 *
 * <p>Memory of one streamed upload is bounded by about {@code block-size × (max-concurrency + 1)}; a download holds
 * only the HTTP client's receive buffers.
 *
 * @param connectionString storage account connection string ({@code AZURE_STORAGE_CONNECTION_STRING} style); used when
 *     set
 * @param accountUrl blob service URL of the account, such as {@code https://myaccount.blob.core.windows.net},
 *     authenticated with DefaultAzureCredential
 * @param container container that holds every blob of the pipeline
 * @param createContainer whether to create the container on first write when it does not exist
 * @param blockSize size of one staged block of a streamed upload; bodies up to this size go up in one request
 * @param maxConcurrency blocks of one upload in flight at once
 * @param maxTries attempts of one HTTP request, the first included, on 5xx answers, timeouts and connection errors
 * @param tryTimeout time one HTTP attempt may take before it counts as failed and is retried
 * @param batchSize sub-requests per blob batch of delete-all and archive (Azure accepts at most 256)
 * @param batchConcurrency blob batches in flight at once
 * @param batchRetries rounds of retrying the failed sub-requests of a delete-all or archive
 * @param batchRetryBackoff pause before the first retry round of failed sub-requests; doubles every round
 */
@ConfigurationProperties("matter-pipeline.blob.azure")
public record AzureBlobProperties(
        String connectionString,
        URI accountUrl,
        @DefaultValue(DEFAULT_CONTAINER) String container,
        @DefaultValue("true") boolean createContainer,
        @DefaultValue("4MB") DataSize blockSize,
        @DefaultValue("2") int maxConcurrency,
        @DefaultValue("4") int maxTries,
        @DefaultValue("60s") Duration tryTimeout,
        @DefaultValue("256") int batchSize,
        @DefaultValue("2") int batchConcurrency,
        @DefaultValue("3") int batchRetries,
        @DefaultValue("500ms") Duration batchRetryBackoff) {

    /** The default container name. */
    public static final String DEFAULT_CONTAINER = BlobStore.DEFAULT_CONTAINER;

    /** Azure rejects a blob batch of more sub-requests. */
    static final int MAX_BATCH_SIZE = 256;

    /** Azure's largest block (4000 MiB). */
    private static final long MAX_BLOCK_SIZE = 4000L * 1024 * 1024;

    private static final String A_CONNECTION_STRING = "a storage connection string naming the account "
            + "(AccountName=...;AccountKey=...), its BlobEndpoint=... (with a SharedAccessSignature=...), or "
            + "UseDevelopmentStorage=true";

    public AzureBlobProperties {
        connectionString = blankToNull(connectionString);
        if (connectionString != null) {
            ConnectionStrings.requireShape(connectionString, "matter-pipeline.blob.azure.connection-string",
                    A_CONNECTION_STRING, keys -> keys.contains("accountname") || keys.contains("blobendpoint")
                            || keys.contains("usedevelopmentstorage"));
        }
        container = container == null || container.isBlank() ? DEFAULT_CONTAINER : container;
        blockSize = blockSize == null ? DataSize.ofMegabytes(4) : blockSize;
        tryTimeout = tryTimeout == null ? Duration.ofSeconds(60) : tryTimeout;
        batchRetryBackoff = batchRetryBackoff == null ? Duration.ofMillis(500) : batchRetryBackoff;
        if (blockSize.toBytes() < 1 || blockSize.toBytes() > MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("matter-pipeline.blob.azure.block-size must be 1B..4000MB, was "
                    + blockSize);
        }
        requireAtLeast("max-concurrency", maxConcurrency, 1);
        requireAtLeast("max-tries", maxTries, 1);
        requireAtLeast("batch-concurrency", batchConcurrency, 1);
        requireAtLeast("batch-retries", batchRetries, 0);
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("matter-pipeline.blob.azure.batch-size must be 1..256, was "
                    + batchSize);
        }
        if (tryTimeout.isNegative() || tryTimeout.isZero()) {
            throw new IllegalArgumentException("matter-pipeline.blob.azure.try-timeout must be positive");
        }
    }

    /** Default settings for a connection string (Azurite or a development account) and a container. */
    public static AzureBlobProperties ofConnectionString(String connectionString, String container) {
        return new AzureBlobProperties(connectionString, null, container, true, DataSize.ofMegabytes(4), 2, 4,
                Duration.ofSeconds(60), MAX_BATCH_SIZE, 2, 3, Duration.ofMillis(500));
    }

    /** These settings with another upload block size and concurrency. */
    public AzureBlobProperties withTransfer(DataSize blockSize, int maxConcurrency) {
        return new AzureBlobProperties(connectionString, accountUrl, container, createContainer, blockSize,
                maxConcurrency, maxTries, tryTimeout, batchSize, batchConcurrency, batchRetries, batchRetryBackoff);
    }

    /** These settings with another retry policy for single requests. */
    public AzureBlobProperties withRetries(int maxTries, Duration tryTimeout) {
        return new AzureBlobProperties(connectionString, accountUrl, container, createContainer, blockSize,
                maxConcurrency, maxTries, tryTimeout, batchSize, batchConcurrency, batchRetries, batchRetryBackoff);
    }

    @Override
    public String toString() {
        // The connection string carries the account key: never log it.
        return "AzureBlobProperties[connectionString=" + (connectionString == null ? "unset" : "***")
                + ", accountUrl=" + accountUrl + ", container=" + container + ", createContainer=" + createContainer
                + ", blockSize=" + blockSize + ", maxConcurrency=" + maxConcurrency + ", maxTries=" + maxTries
                + ", tryTimeout=" + tryTimeout + ", batchSize=" + batchSize + ", batchConcurrency=" + batchConcurrency
                + ", batchRetries=" + batchRetries + ", batchRetryBackoff=" + batchRetryBackoff + "]";
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static void requireAtLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException("matter-pipeline.blob.azure." + name + " must be >= " + min
                    + ", was " + value);
        }
    }
}
