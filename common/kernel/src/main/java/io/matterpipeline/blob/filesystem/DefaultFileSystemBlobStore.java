package io.matterpipeline.blob.filesystem;

import io.matterpipeline.blob.BlobContent;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPathRules;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.TransientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;

/**
 * The filesystem store. A write streams into a temporary file beside its target, then, under the path lock, checks
 * the condition and moves the content into place with one rename.
 *
 * <p>A blob's version is its content file's modification time, set (to the microsecond) on the temporary file just
 * before the rename: a stamp that only grows, per path across processes (it is above the current file's, under the
 * path lock) and per JVM. The ETag is that stamp and the size, so reading a blob's version is the one {@code stat}
 * that finds it, and a write creates and renames one file. Metadata, rare, goes to a sidecar under {@code meta/}
 * written before the content's rename and naming the stamp it belongs to; a blob with metadata has an odd stamp, one
 * without an even one, so only the former ever looks for a sidecar. On a filesystem that does not keep microseconds
 * (checked when the store opens) every write keeps its ETag in a sidecar instead, as this store did before.
 *
 * <p>Readers take the version first, then the content: a reader can only pair an older ETag with newer content, which
 * makes a following conditional write fail and retry, never succeed on stale data.
 */
final class DefaultFileSystemBlobStore implements FileSystemBlobStore {

    private static final int CHUNK_SIZE = 64 * 1024;
    /** Buffers of a body in flight between the producer and the file; bounds a put's memory. */
    private static final int WRITE_PREFETCH = 4;
    private static final AtomicLong ETAG_SEQUENCE = new AtomicLong();
    /** How many times a stat looks again when a blob's sidecar names a newer version than its content. */
    private static final int SIDECAR_LOOKS = 2;
    /** The file under the root that says versions are stamps (a root without it that holds blobs keeps sidecars). */
    private static final String STAMPED_MARKER = "stamped-versions";
    /** The last version stamp this JVM gave, in microseconds since the epoch: stamps only grow. */
    private static final AtomicLong LAST_STAMP = new AtomicLong();

    private final Path root;
    private final Path blobs;
    private final Path meta;
    private final PathLocks locks;
    /** Whether versions are the content files' modification times (else sidecars hold them). */
    private final boolean stamped;
    private final IoExecutor io;

    private DefaultFileSystemBlobStore(Path root, PathLocks locks, boolean stamped, IoExecutor io) {
        this.root = root;
        this.io = io;
        this.blobs = root.resolve("blobs");
        this.meta = root.resolve("meta");
        this.locks = locks;
        this.stamped = stamped;
    }

    static DefaultFileSystemBlobStore open(Path root) {
        return open(root, null);
    }

    static DefaultFileSystemBlobStore open(Path root, Boolean stamped) {
        return open(root, stamped, IoExecutor.DEFAULT_THREADS, IoExecutor.DEFAULT_QUEUE);
    }

    /**
     * Opens a store; {@code stamped} null decides by the root ({@link #stampedLayout}), true or false forces versions
     * kept as modification times or in sidecars (tests of the other layout); the file I/O runs on {@code ioThreads}
     * threads of the store's own, with at most {@code ioQueue} operations waiting.
     */
    static DefaultFileSystemBlobStore open(Path root, Boolean stamped, int ioThreads, int ioQueue) {
        Objects.requireNonNull(root, "root");
        IoExecutor io = new IoExecutor(ioThreads, ioQueue);
        try {
            Path directory = Files.createDirectories(root.toAbsolutePath().normalize());
            Files.createDirectories(directory.resolve("blobs"));
            Files.createDirectories(directory.resolve("meta"));
            Path real = directory.toRealPath();
            return new DefaultFileSystemBlobStore(real, PathLocks.acquire(real, real.resolve("locks")),
                    stamped != null ? stamped : stampedLayout(real), io);
        } catch (IOException e) {
            io.shutdown();
            throw new UncheckedIOException("Cannot open the blob store at " + root, e);
        }
    }

    /**
     * Whether the store at {@code root} keeps versions as stamps: a root marked so, or a new one (no blobs yet) on a
     * filesystem that keeps microseconds, which is then marked. A root that already holds blobs written with
     * sidecars keeps that layout, so its ETags and metadata stay what they were.
     */
    private static boolean stampedLayout(Path root) throws IOException {
        Path marker = root.resolve(STAMPED_MARKER);
        if (Files.exists(marker)) {
            return true;
        }
        boolean empty;
        try (Stream<Path> entries = Files.list(root.resolve("blobs"))) {
            empty = entries.findAny().isEmpty();
        }
        if (!empty || !keepsMicroseconds(root.resolve("meta"))) {
            return false;
        }
        try {
            Files.createFile(marker);
        } catch (FileAlreadyExistsException openedBesideUs) {
            // Another store instance on this root marked it first.
        }
        return true;
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public void close() {
        locks.release();
        io.shutdown();
    }

    @Override
    public Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition,
            Map<String, String> metadata) {
        return Mono.defer(() -> {
            String blobPath = BlobPathRules.requirePath(path);
            Objects.requireNonNull(content, "content");
            Objects.requireNonNull(condition, "condition");
            Map<String, String> blobMetadata = metadata == null ? Map.of() : Map.copyOf(metadata);
            Path target = blobFile(blobPath);
            // The body's buffers, its completion and with it the commit all arrive on the io worker of publishOn.
            return Mono.usingWhen(
                    Mono.fromCallable(() -> TempFile.beside(target)).transform(io::run),
                    temp -> content.publishOn(io.scheduler(), WRITE_PREFETCH)
                            .doOnNext(temp::write)
                            .then(Mono.fromCallable(() -> commit(blobPath, temp, condition, blobMetadata))),
                    temp -> Mono.fromRunnable(temp::discard),
                    (temp, error) -> Mono.fromRunnable(temp::discard).transform(io::run),
                    temp -> Mono.fromRunnable(temp::discard).transform(io::run))
                    .onErrorMap(IOException.class, e -> ioFailure("write", blobPath, e))
                    .onErrorMap(UncheckedIOException.class, e -> ioFailure("write", blobPath, e.getCause()));
        });
    }

    /** A small body in one task on the io scheduler: temporary file, condition, rename. */
    @Override
    public Mono<BlobInfo> putBytes(String path, byte[] bytes, PutCondition condition) {
        return Mono.fromCallable(() -> {
            String blobPath = BlobPathRules.requirePath(path);
            Objects.requireNonNull(bytes, "bytes");
            Objects.requireNonNull(condition, "condition");
            TempFile temp = TempFile.beside(blobFile(blobPath));
            try {
                temp.write(ByteBuffer.wrap(bytes));
                return commit(blobPath, temp, condition, Map.of());
            } catch (IOException | UncheckedIOException e) {
                throw ioFailure("write", blobPath, e instanceof UncheckedIOException unchecked ? unchecked.getCause()
                        : e);
            } finally {
                temp.discard();
            }
        }).transform(io::run);
    }

    @Override
    public Flux<ByteBuffer> get(String path) {
        return Flux.defer(() -> {
            String blobPath = BlobPathRules.requirePath(path);
            Path file = blobFile(blobPath);
            return Flux.<ByteBuffer, FileChannel>using(
                    () -> openForRead(blobPath, file),
                    channel -> Flux.generate(sink -> {
                        try {
                            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_SIZE);
                            int read = channel.read(chunk);
                            if (read < 0) {
                                sink.complete();
                            } else {
                                sink.next(chunk.flip());
                            }
                        } catch (IOException e) {
                            sink.error(ioFailure("read", blobPath, e));
                        }
                    }),
                    DefaultFileSystemBlobStore::closeQuietly);
        }).transform(io::run);
    }

    @Override
    public Mono<BlobContent> read(String path) {
        return Mono.fromCallable(() -> {
            String blobPath = BlobPathRules.requirePath(path);
            // The ETag first, then the content: see the class comment.
            Sidecar sidecar = currentSidecar(blobPath, false);
            if (sidecar == null) {
                return null;
            }
            try {
                return new BlobContent(Files.readAllBytes(blobFile(blobPath)), sidecar.etag());
            } catch (NoSuchFileException deletedMeanwhile) {
                return null;
            } catch (IOException e) {
                throw ioFailure("read", blobPath, e);
            }
        }).transform(io::run);
    }

    @Override
    public Mono<BlobInfo> stat(String path) {
        return Mono.fromCallable(() -> {
            String blobPath = BlobPathRules.requirePath(path);
            Sidecar sidecar = currentSidecar(blobPath, true);
            return sidecar == null ? null : sidecar.toInfo(blobPath);
        }).transform(io::run);
    }

    @Override
    public Flux<BlobInfo> list(String prefix) {
        return Flux.defer(() -> {
            String validPrefix = BlobPathRules.requirePrefix(prefix);
            return Flux.fromIterable(pathsStartingWith(validPrefix));
        }).<BlobInfo>handle((blobPath, sink) -> {
            Sidecar sidecar = currentSidecar(blobPath, true);
            if (sidecar != null) {
                sink.next(sidecar.toInfo(blobPath));
            }
        }).transform(io::run);
    }

    @Override
    public Mono<Long> deleteAll(Collection<String> paths) {
        return Mono.fromCallable(() -> {
            Objects.requireNonNull(paths, "paths");
            List<String> valid = paths.stream().map(BlobPathRules::requirePath).distinct().toList();
            long deleted = 0;
            for (String blobPath : valid) {
                try (PathLocks.Held held = locks.lock(blobPath)) {
                    // Content first: a sidecar without content counts as missing, content without a sidecar would not.
                    if (Files.deleteIfExists(blobFile(blobPath))) {
                        deleted++;
                    }
                    Files.deleteIfExists(metaFile(blobPath));
                } catch (IOException e) {
                    throw ioFailure("delete", blobPath, e);
                }
            }
            return deleted;
        }).transform(io::run);
    }

    private BlobInfo commit(String blobPath, TempFile temp, PutCondition condition, Map<String, String> metadata)
            throws IOException {
        temp.finish();
        return stamped ? commitStamped(blobPath, temp, condition, metadata)
                : commitWithSidecar(blobPath, temp, condition, metadata);
    }

    /** Under the path lock: the condition, the next stamp on the content, the sidecar if there is metadata, rename. */
    private BlobInfo commitStamped(String blobPath, TempFile temp, PutCondition condition,
            Map<String, String> metadata) throws IOException {
        Path target = blobFile(blobPath);
        TempFile sidecarTemp = null;
        try (PathLocks.Held held = locks.lock(blobPath)) {
            Sidecar current = currentSidecar(blobPath, false);
            if (!(condition instanceof PutCondition.Unconditional)) {
                requireCondition(blobPath, condition, current);
            }
            long stamp = nextStamp(current == null ? 0 : current.stamp(), !metadata.isEmpty());
            temp.stampModified(stamp);
            Sidecar sidecar = new Sidecar(stampEtag(stamp, temp.size()), temp.size(), stamp / 1000, metadata,
                    stamp);
            if (!metadata.isEmpty()) {
                Path sidecarFile = metaFile(blobPath);
                sidecarTemp = TempFile.beside(sidecarFile);
                sidecarTemp.write(ByteBuffer.wrap(MessageCodec.mapper().writeValueAsBytes(sidecar)));
                sidecarTemp.finish();
                // The sidecar first: it names its stamp, so until the content arrives it belongs to nothing.
                sidecarTemp.moveTo(sidecarFile);
            }
            temp.moveTo(target);
            return sidecar.toInfo(blobPath);
        } finally {
            if (sidecarTemp != null) {
                sidecarTemp.discard();
            }
        }
    }

    /** Where modification times are coarse: a sidecar with a random ETag for every write, moved after the content. */
    private BlobInfo commitWithSidecar(String blobPath, TempFile temp, PutCondition condition,
            Map<String, String> metadata) throws IOException {
        Path target = blobFile(blobPath);
        Path sidecarFile = metaFile(blobPath);
        Sidecar sidecar = new Sidecar(newEtag(), temp.size(), System.currentTimeMillis(), metadata, null);
        TempFile sidecarTemp = TempFile.beside(sidecarFile);
        try {
            sidecarTemp.write(ByteBuffer.wrap(MessageCodec.mapper().writeValueAsBytes(sidecar)));
            sidecarTemp.finish();
            try (PathLocks.Held held = locks.lock(blobPath)) {
                if (!(condition instanceof PutCondition.Unconditional)) {
                    requireCondition(blobPath, condition, currentSidecar(blobPath, false));
                }
                temp.moveTo(target);
                sidecarTemp.moveTo(sidecarFile);
            }
            return sidecar.toInfo(blobPath);
        } finally {
            sidecarTemp.discard();
        }
    }

    /**
     * A stamp above {@code floor}, the current file's, and above every stamp this JVM gave; odd when the blob has
     * metadata.
     */
    private static long nextStamp(long floor, boolean withMetadata) {
        Instant now = Instant.now();
        long nowMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        long at = Math.max(nowMicros, floor + 1);
        return LAST_STAMP.updateAndGet(last -> {
            long stamp = Math.max(last + 1, at);
            return (stamp & 1) == (withMetadata ? 1 : 0) ? stamp : stamp + 1;
        });
    }

    private static String stampEtag(long stamp, long size) {
        return "0x" + Long.toHexString(stamp) + "-" + Long.toHexString(size);
    }

    /** Whether files in {@code directory} keep a modification time to the microsecond (blocking; at open only). */
    private static boolean keepsMicroseconds(Path directory) {
        Path probe = directory.resolve(".stamp-probe-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            Files.write(probe, new byte[0]);
            long micros = (System.currentTimeMillis() - 60_000) * 1_000 + 123;
            Files.setLastModifiedTime(probe, FileTime.from(micros, TimeUnit.MICROSECONDS));
            return Files.getLastModifiedTime(probe).to(TimeUnit.MICROSECONDS) == micros;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // A leftover dot-file is skipped by listings.
            }
        }
    }

    private static void requireCondition(String blobPath, PutCondition condition, Sidecar current) {
        boolean holds;
        if (condition instanceof PutCondition.IfMatch ifMatch) {
            holds = current != null && current.etag().equals(ifMatch.etag());
        } else if (condition instanceof PutCondition.IfAbsent) {
            holds = current == null;
        } else {
            holds = true;
        }
        if (!holds) {
            throw new ConflictException(PutCondition.REFUSED, "Blob " + blobPath + " does not match the condition "
                    + condition + (current == null ? " (it does not exist)" : " (its ETag is " + current.etag() + ")"));
        }
    }

    /**
     * The version (and, when {@code withMetadata}, the metadata) of an existing blob, or null when there is no blob.
     * Blocking.
     */
    private Sidecar currentSidecar(String blobPath, boolean withMetadata) {
        return currentSidecar(blobPath, withMetadata, 0);
    }

    /** {@code lookedAgain}: how often a write that replaced the blob between its stat and its sidecar was seen. */
    private Sidecar currentSidecar(String blobPath, boolean withMetadata, int lookedAgain) {
        Path content = blobFile(blobPath);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(content, BasicFileAttributes.class);
        } catch (NoSuchFileException missing) {
            return null;
        } catch (IOException e) {
            throw ioFailure("stat", blobPath, e);
        }
        if (!attributes.isRegularFile()) {
            return null;
        }
        if (stamped) {
            long stamp = attributes.lastModifiedTime().to(TimeUnit.MICROSECONDS);
            Map<String, String> metadata = Map.of();
            if (withMetadata && (stamp & 1) == 1) {
                Sidecar sidecar = readSidecar(blobPath);
                if (sidecar != null && sidecar.stamp() != null && sidecar.stamp() != stamp
                        && lookedAgain < SIDECAR_LOOKS) {
                    // A newer write moved its sidecar in after our stat: its content follows; look at the blob again.
                    return currentSidecar(blobPath, true, lookedAgain + 1);
                }
                // Another version's sidecar (or none) means no metadata; one without a stamp is from before stamps.
                if (sidecar != null && (sidecar.stamp() == null ? sidecar.size() == attributes.size()
                        : sidecar.stamp() == stamp)) {
                    metadata = sidecar.metadata();
                }
            }
            return new Sidecar(stampEtag(stamp, attributes.size()), attributes.size(), stamp / 1000, metadata, stamp);
        }
        Sidecar sidecar = readSidecar(blobPath);
        if (sidecar != null && sidecar.size() == attributes.size()) {
            return sidecar;
        }
        // A file put there by hand, or a write interrupted between its two moves: an ETag derived from the file
        // itself, so it still changes when the content does.
        String etag = "0xF" + Long.toHexString(attributes.lastModifiedTime().toMillis()) + "S" + attributes.size();
        return new Sidecar(etag, attributes.size(), attributes.lastModifiedTime().toMillis(), Map.of(), null);
    }

    /** The sidecar file of a blob, or null when there is none or it is not one. Blocking. */
    private Sidecar readSidecar(String blobPath) {
        try {
            return MessageCodec.mapper().readValue(Files.readAllBytes(metaFile(blobPath)), Sidecar.class);
        } catch (NoSuchFileException | JacksonException noUsableSidecar) {
            return null;
        } catch (IOException e) {
            throw ioFailure("stat", blobPath, e);
        }
    }

    private List<String> pathsStartingWith(String prefix) {
        int lastSlash = prefix.lastIndexOf('/');
        Path base = lastSlash < 0 ? blobs : blobs.resolve(prefix.substring(0, lastSlash));
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        List<String> paths = new ArrayList<>();
        try {
            Files.walkFileTree(base, new ListingVisitor(prefix, paths));
        } catch (IOException e) {
            throw ioFailure("list", prefix, e);
        }
        paths.sort(null);
        return paths;
    }

    /**
     * Collects the blob paths under a directory. An entry that is gone by the time it is looked at is passed over: a
     * write's temporary file renamed into place, a blob or a folder deleted meanwhile. ({@code Files.walk} ends the
     * whole listing at the first such entry, so a listing beside writers could miss most blobs.)
     */
    private final class ListingVisitor extends SimpleFileVisitor<Path> {
        private final String prefix;
        private final List<String> paths;

        ListingVisitor(String prefix, List<String> paths) {
            this.prefix = prefix;
            this.paths = paths;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
            boolean regular = attributes.isRegularFile()
                    || (attributes.isSymbolicLink() && Files.isRegularFile(file));
            if (regular && !file.getFileName().toString().startsWith(".")) {
                String blobPath = blobs.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                if (blobPath.startsWith(prefix)) {
                    paths.add(blobPath);
                }
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException failure) throws IOException {
            if (failure instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
            }
            throw failure;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path directory, IOException failure) throws IOException {
            if (failure != null && !(failure instanceof NoSuchFileException)) {
                throw failure;
            }
            return FileVisitResult.CONTINUE;
        }
    }

    private static FileChannel openForRead(String blobPath, Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                throw new NotFoundException("blob-not-found", "Blob " + blobPath + " does not exist");
            }
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NotFoundException("blob-not-found", "Blob " + blobPath + " does not exist");
        } catch (IOException e) {
            throw ioFailure("read", blobPath, e);
        }
    }

    private Path blobFile(String blobPath) {
        return blobs.resolve(blobPath);
    }

    private Path metaFile(String blobPath) {
        return meta.resolve(blobPath);
    }

    private static String newEtag() {
        return String.format("0x%016X%06X", ThreadLocalRandom.current().nextLong(),
                ETAG_SEQUENCE.incrementAndGet() & 0xFFFFFF);
    }

    private static TransientException ioFailure(String operation, String blobPath, Throwable cause) {
        return new TransientException("blob-io-error", "Cannot " + operation + " blob " + blobPath + ": " + cause,
                cause);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was written through it.
        }
    }

    /**
     * What the store knows of a blob's version: kept in a sidecar file beside it when it has metadata (or the
     * filesystem keeps no microseconds), else read from the content file's attributes.
     *
     * @param stamp the content file's modification time in microseconds, when versions are stamps; null otherwise
     */
    record Sidecar(String etag, long size, long lastModifiedMillis, Map<String, String> metadata, Long stamp) {

        Sidecar {
            metadata = metadata == null ? Map.of() : metadata;
        }

        BlobInfo toInfo(String blobPath) {
            return new BlobInfo(blobPath, size, etag, Instant.ofEpochMilli(lastModifiedMillis), metadata);
        }
    }

    /** A temporary file in the target's directory, so the final move is a rename within one filesystem. */
    static final class TempFile {
        private final Path path;
        private final FileChannel channel;
        private long size;
        private boolean moved;

        private TempFile(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        static TempFile beside(Path target) throws IOException {
            while (true) {
                Path candidate = target.resolveSibling("." + target.getFileName() + "."
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
                try {
                    return new TempFile(candidate, FileChannel.open(candidate, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE));
                } catch (FileAlreadyExistsException taken) {
                    // Another writer drew the same name; draw again.
                } catch (NoSuchFileException noDirectory) {
                    // The first blob of its folder: create the folder (no stat for every write that finds it).
                    Files.createDirectories(target.getParent());
                }
            }
        }

        long size() {
            return size;
        }

        void write(ByteBuffer buffer) {
            // A duplicate: the caller's buffer keeps its position.
            ByteBuffer remaining = buffer.duplicate();
            try {
                while (remaining.hasRemaining()) {
                    size += channel.write(remaining);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void finish() throws IOException {
            channel.close();
        }

        /** Sets the modification time, in microseconds since the epoch, once the content is written. */
        void stampModified(long micros) throws IOException {
            Files.setLastModifiedTime(path, FileTime.from(micros, TimeUnit.MICROSECONDS));
        }

        /** Renames it to {@code target} atomically, replacing what is there. */
        void moveTo(Path target) throws IOException {
            try {
                Files.move(path, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                moved = true;
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("The filesystem at " + target.getParent() + " cannot rename atomically", e);
            }
        }

        /** Closes and deletes the file unless it was moved into place. */
        void discard() {
            if (moved) {
                return;
            }
            try {
                channel.close();
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // A leftover dot-file is skipped by listings.
            }
        }
    }
}
