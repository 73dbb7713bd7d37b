package io.matterpipeline.blob.azure;

import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.PutCondition;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.springframework.util.unit.DataSize;

/**
 * Uploads and downloads one generated document through {@link AzureBlobStore} and checks it by hash. Run by
 * {@link AzureBlobStoreTests} in a child JVM whose heap is smaller than the document: it can only succeed if both
 * directions stream. Arguments: connection string, container, size in MiB. Exit 0 and a line {@code OK ...} on
 * success.
 */
final class StreamingProbe {

    private StreamingProbe() {
    }

    public static void main(String[] args) {
        String connectionString = args[0];
        String container = args[1];
        long size = Long.parseLong(args[2]) * 1024 * 1024;
        AzureBlobStore store = AzureBlobStore.create(AzureBlobProperties.ofConnectionString(connectionString, container)
                .withTransfer(DataSize.ofMegabytes(4), 2));
        String path = "matters/probe/documents/big/source";

        MessageDigest written = GeneratedDocument.sha256();
        BlobInfo info = store.put(path, GeneratedDocument.body(size, written), PutCondition.none(), Map.of())
                .block(Duration.ofMinutes(5));
        MessageDigest read = GeneratedDocument.sha256();
        Long received = store.get(path)
                .map(buffer -> {
                    int length = buffer.remaining();
                    read.update(buffer);
                    return (long) length;
                })
                .reduce(0L, Long::sum)
                .block(Duration.ofMinutes(5));
        String writtenHash = HexFormat.of().formatHex(written.digest());
        String readHash = HexFormat.of().formatHex(read.digest());
        if (info.size() != size || received != size || !writtenHash.equals(readHash)) {
            System.out.println("MISMATCH size=" + info.size() + " received=" + received + " written=" + writtenHash
                    + " read=" + readHash);
            System.exit(2);
        }
        System.out.println("OK " + size + " bytes sha256=" + readHash + " maxHeap="
                + Runtime.getRuntime().maxMemory());
        System.exit(0);
    }
}
