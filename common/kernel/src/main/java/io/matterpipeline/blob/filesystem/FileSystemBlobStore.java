package io.matterpipeline.blob.filesystem;

import io.matterpipeline.blob.BlobStore;
import java.nio.file.Path;

/**
 * A {@link BlobStore} on a local directory, for the single-JVM mode and tests.
 *
 * <ul>
 *   <li>Writes stream the body into a temporary file beside the target and then move it into place atomically: a
 *       reader sees the old or the new blob, never a mix, and a crashed write leaves no partial blob. Writes are not
 *       fsynced: a blob survives a process crash, not necessarily a power loss.</li>
 *   <li>Every write gets a new ETag: the content file's modification time, set to a microsecond stamp that only
 *       grows, and its size (where the filesystem keeps no microseconds, a random ETag kept in a sidecar file).
 *       Metadata is kept in a sidecar file. Conditional writes check and commit under a per-path lock that is
 *       exclusive within the JVM (also across store instances on the same root) and, best effort, across processes
 *       (a file lock).</li>
 *   <li>Paths are relative, {@code /}-separated; absolute paths, empty, {@code .} or {@code ..} segments, segments
 *       starting with a dot, backslashes and control characters are rejected with
 *       {@link io.matterpipeline.error.BadInputException} reason {@code invalid-path}.</li>
 *   <li>All file I/O runs on the store's own bounded executor ({@code blob-fs-io} threads, a bounded queue), never on
 *       the caller's thread: not on the shared {@link reactor.core.scheduler.Schedulers#boundedElastic()}, whose
 *       per-thread executors synchronize every submission (a page's few store requests each hop threads, and on a
 *       busy machine the threads queued on those monitors for seconds). An operation that finds the queue full fails
 *       with {@link io.matterpipeline.error.TransientException} reason {@code blob-io-busy}.</li>
 * </ul>
 * Layout under the root: {@code blobs/<path>} (content, readable as plain files), {@code meta/<path>} (metadata
 * and the version it belongs to, as JSON; only for blobs with metadata unless the filesystem keeps no microseconds),
 * {@code locks/} (lock files) and {@code stamped-versions} (says versions are stamps; a root that already held blobs
 * written with sidecars when first opened by this version keeps sidecars for every write).
 */
public interface FileSystemBlobStore extends BlobStore, AutoCloseable {

    /**
     * Opens (creating it if needed) a store rooted at {@code root}. Blocks briefly to create the directories: call it
     * at startup, not on an event loop.
     */
    static FileSystemBlobStore create(Path root) {
        return DefaultFileSystemBlobStore.open(root, null, IoExecutor.DEFAULT_THREADS, IoExecutor.DEFAULT_QUEUE);
    }

    /**
     * Opens a store whose file I/O runs on {@code ioThreads} threads with at most {@code ioQueue} operations waiting.
     *
     * @throws IllegalArgumentException if either is below 1
     */
    static FileSystemBlobStore create(Path root, int ioThreads, int ioQueue) {
        return DefaultFileSystemBlobStore.open(root, null, ioThreads, ioQueue);
    }

    /** The root directory. */
    Path root();

    /** Releases the store's lock files and stops its I/O threads once their work is done. */
    @Override
    void close();
}
