package io.matterpipeline.blob.filesystem;

import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.BlobStoreContractTests;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blob store contract on the filesystem store as it runs where modification times are coarse (versions in sidecar
 * files), whatever this machine's filesystem keeps.
 */
class SidecarFileSystemBlobStoreTests extends BlobStoreContractTests {

    @TempDir
    Path root;

    private DefaultFileSystemBlobStore store;

    @BeforeAll
    static void failOnBlockingCalls() {
        NonBlockingThreads.enforce();
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @Override
    protected BlobStore store() {
        if (store == null) {
            store = DefaultFileSystemBlobStore.open(root, false);
        }
        return store;
    }
}
