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
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;

/**
 * The filesystem store. A write streams into a temporary file beside its target, then, under the path lock, checks
 * the condition, moves the content into place and then the sidecar. Content first: a reader that reads the sidecar
 * before the content can only pair an older ETag with newer content, which makes a following conditional write fail
 * and retry, never succeed on stale data.
 */
final class DefaultFileSystemBlobStore implements FileSystemBlobStore {

    private static final int CHUNK_SIZE = 64 * 1024;
    /** Buffers of a body in flight between the producer and the file; bounds a put's memory. */
    private static final int WRITE_PREFETCH = 4;
    private static final AtomicLong ETAG_SEQUENCE = new AtomicLong();

    private final Path root;
    private final Path blobs;
    private final Path meta;
    private final PathLocks locks;
    private final Scheduler io = Schedulers.boundedElastic();

    private DefaultFileSystemBlobStore(Path root, PathLocks locks) {
        this.root = root;
        this.blobs = root.resolve("blobs");
        this.meta = root.resolve("meta");
        this.locks = locks;
    }

    static DefaultFileSystemBlobStore open(Path root) {
        Objects.requireNonNull(root, "root");
        try {
            Path directory = Files.createDirectories(root.toAbsolutePath().normalize());
            Files.createDirectories(directory.resolve("blobs"));
            Files.createDirectories(directory.resolve("meta"));
            Path real = directory.toRealPath();
            return new DefaultFileSystemBlobStore(real, PathLocks.acquire(real, real.resolve("locks")));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the blob store at " + root, e);
        }
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public void close() {
        locks.release();
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
            return Mono.usingWhen(
                    Mono.fromCallable(() -> TempFile.beside(target)).subscribeOn(io),
                    temp -> content.publishOn(io, WRITE_PREFETCH)
                            .doOnNext(temp::write)
                            .then(Mono.fromCallable(() -> commit(blobPath, temp, condition, blobMetadata))
                                    .subscribeOn(io)),
                    temp -> Mono.fromRunnable(temp::discard).subscribeOn(io))
                    .onErrorMap(IOException.class, e -> ioFailure("write", blobPath, e))
                    .onErrorMap(UncheckedIOException.class, e -> ioFailure("write", blobPath, e.getCause()));
        });
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
        }).subscribeOn(io);
    }

    @Override
    public Mono<BlobContent> read(String path) {
        return Mono.fromCallable(() -> {
            String blobPath = BlobPathRules.requirePath(path);
            // The ETag first, then the content: see the class comment.
            Sidecar sidecar = currentSidecar(blobPath);
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
        }).subscribeOn(io);
    }

    @Override
    public Mono<BlobInfo> stat(String path) {
        return Mono.fromCallable(() -> {
            String blobPath = BlobPathRules.requirePath(path);
            Sidecar sidecar = currentSidecar(blobPath);
            return sidecar == null ? null : sidecar.toInfo(blobPath);
        }).subscribeOn(io);
    }

    @Override
    public Flux<BlobInfo> list(String prefix) {
        return Flux.defer(() -> {
            String validPrefix = BlobPathRules.requirePrefix(prefix);
            return Flux.fromIterable(pathsStartingWith(validPrefix));
        }).<BlobInfo>handle((blobPath, sink) -> {
            Sidecar sidecar = currentSidecar(blobPath);
            if (sidecar != null) {
                sink.next(sidecar.toInfo(blobPath));
            }
        }).subscribeOn(io);
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
        }).subscribeOn(io);
    }

    private BlobInfo commit(String blobPath, TempFile temp, PutCondition condition, Map<String, String> metadata)
            throws IOException {
        temp.finish();
        Path target = blobFile(blobPath);
        Path sidecarFile = metaFile(blobPath);
        Sidecar sidecar = new Sidecar(newEtag(), temp.size(), System.currentTimeMillis(), metadata);
        TempFile sidecarTemp = TempFile.beside(sidecarFile);
        try {
            sidecarTemp.write(ByteBuffer.wrap(MessageCodec.mapper().writeValueAsBytes(sidecar)));
            sidecarTemp.finish();
            try (PathLocks.Held held = locks.lock(blobPath)) {
                if (!(condition instanceof PutCondition.Unconditional)) {
                    requireCondition(blobPath, condition, currentSidecar(blobPath));
                }
                move(temp.path(), target);
                move(sidecarTemp.path(), sidecarFile);
            }
            return sidecar.toInfo(blobPath);
        } finally {
            sidecarTemp.discard();
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

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("The filesystem at " + to.getParent() + " cannot rename atomically", e);
        }
    }

    /** The sidecar of an existing blob, or null when there is no blob. Blocking. */
    private Sidecar currentSidecar(String blobPath) {
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
        try {
            Sidecar sidecar = MessageCodec.mapper().readValue(Files.readAllBytes(metaFile(blobPath)), Sidecar.class);
            if (sidecar.size() == attributes.size()) {
                return sidecar;
            }
        } catch (NoSuchFileException | JacksonException noUsableSidecar) {
            // Fall through: a file put there by hand, or a write interrupted between its two moves.
        } catch (IOException e) {
            throw ioFailure("stat", blobPath, e);
        }
        // An ETag derived from the file itself, so it still changes when the content does.
        String etag = "0xF" + Long.toHexString(attributes.lastModifiedTime().toMillis()) + "S" + attributes.size();
        return new Sidecar(etag, attributes.size(), attributes.lastModifiedTime().toMillis(), Map.of());
    }

    private List<String> pathsStartingWith(String prefix) {
        int lastSlash = prefix.lastIndexOf('/');
        Path base = lastSlash < 0 ? blobs : blobs.resolve(prefix.substring(0, lastSlash));
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        List<String> paths = new ArrayList<>();
        try (Stream<Path> files = Files.walk(base)) {
            files.filter(file -> !file.getFileName().toString().startsWith("."))
                    .filter(Files::isRegularFile)
                    .map(file -> blobs.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/"))
                    .filter(blobPath -> blobPath.startsWith(prefix))
                    .forEach(paths::add);
        } catch (IOException | UncheckedIOException e) {
            // A directory vanished during the walk (a concurrent delete); the listing is best effort like any other.
            if (!(rootCause(e) instanceof NoSuchFileException)) {
                throw ioFailure("list", prefix, e);
            }
        }
        paths.sort(null);
        return paths;
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

    private static Throwable rootCause(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was written through it.
        }
    }

    /** What the store keeps beside a blob. */
    record Sidecar(String etag, long size, long lastModifiedMillis, Map<String, String> metadata) {

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

        private TempFile(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        static TempFile beside(Path target) throws IOException {
            if (!Files.isDirectory(target.getParent())) {
                Files.createDirectories(target.getParent());
            }
            while (true) {
                Path candidate = target.resolveSibling("." + target.getFileName() + "."
                        + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
                try {
                    return new TempFile(candidate, FileChannel.open(candidate, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE));
                } catch (FileAlreadyExistsException taken) {
                    // Another writer drew the same name; draw again.
                }
            }
        }

        Path path() {
            return path;
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

        /** Closes and deletes the file unless it was moved into place. */
        void discard() {
            try {
                channel.close();
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // A leftover dot-file is skipped by listings.
            }
        }
    }
}
