package io.matterpipeline.blob.filesystem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped path locks of one store root: a {@link ReentrantLock} per stripe for the threads of this JVM, plus a
 * {@link FileLock} on the stripe's lock file for other processes. Shared by every store instance on the same root,
 * because a JVM may hold only one file lock per file. Blocking: use on the store's I/O threads only.
 */
final class PathLocks {

    private static final int STRIPES = 64;
    private static final Map<Path, PathLocks> BY_ROOT = new HashMap<>();

    private final Path root;
    private final Path directory;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final FileChannel[] channels = new FileChannel[STRIPES];
    private int users;

    private PathLocks(Path root, Path directory) {
        this.root = root;
        this.directory = directory;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** The locks of a root (its real path); release them with {@link #release()}. */
    static PathLocks acquire(Path realRoot, Path directory) {
        synchronized (BY_ROOT) {
            PathLocks locks = BY_ROOT.computeIfAbsent(realRoot, root -> new PathLocks(root, directory));
            locks.users++;
            return locks;
        }
    }

    /** Drops one user; the last one closes the lock files. */
    void release() {
        synchronized (BY_ROOT) {
            if (--users > 0) {
                return;
            }
            BY_ROOT.remove(root);
        }
        for (int i = 0; i < STRIPES; i++) {
            stripes[i].lock();
            try {
                if (channels[i] != null) {
                    channels[i].close();
                    channels[i] = null;
                }
            } catch (IOException ignored) {
                // Closing a lock file only releases it.
            } finally {
                stripes[i].unlock();
            }
        }
    }

    /** Locks {@code path} for this JVM and, best effort, for other processes. */
    Held lock(String path) {
        int stripe = Math.floorMod(path.hashCode(), STRIPES);
        ReentrantLock local = stripes[stripe];
        local.lock();
        try {
            FileLock fileLock = channel(stripe).lock();
            return () -> {
                try {
                    fileLock.release();
                } catch (IOException ignored) {
                    // The channel is gone; the lock went with it.
                } finally {
                    local.unlock();
                }
            };
        } catch (IOException e) {
            local.unlock();
            throw new UncheckedIOException("Cannot lock blob path " + path, e);
        } catch (RuntimeException e) {
            local.unlock();
            throw e;
        }
    }

    private FileChannel channel(int stripe) throws IOException {
        FileChannel channel = channels[stripe];
        if (channel == null || !channel.isOpen()) {
            Files.createDirectories(directory);
            channel = FileChannel.open(directory.resolve("stripe-" + stripe + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            channels[stripe] = channel;
        }
        return channel;
    }

    /** A held lock. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }
}
