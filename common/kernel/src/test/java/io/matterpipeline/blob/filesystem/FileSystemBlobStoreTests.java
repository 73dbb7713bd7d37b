package io.matterpipeline.blob.filesystem;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.BlobStoreContractTests;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.error.ConflictException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

class FileSystemBlobStoreTests extends BlobStoreContractTests {

    @TempDir
    Path root;

    private FileSystemBlobStore store;

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
            store = FileSystemBlobStore.create(root);
        }
        return store;
    }

    /**
     * A write goes through a temporary file beside its blob, renamed into place: a listing that meets such a file in
     * the directory and finds it gone a moment later must go on, not end there. Writers keep replacing ten blobs while
     * the directory is listed again and again; every blob that was there all along is in every listing.
     */
    @Test
    void aListingDuringWritesHasEveryBlobThatWasThereThroughout() throws Exception {
        List<String> lasting = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String path = prefix + "pages/" + i + ".json";
            store().putBytes(path, utf8("{}"), PutCondition.none()).block(timeout());
            lasting.add(path);
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try {
            for (int writer = 0; writer < 2; writer++) {
                int first = writer * 5;
                writers.submit(() -> {
                    for (int n = 0; writing.get(); n++) {
                        store().putBytes(prefix + "pages/churn-" + (first + n % 5) + ".json", utf8("{}"),
                                PutCondition.none()).block(timeout());
                    }
                    return null;
                });
            }
            for (int listing = 0; listing < 200; listing++) {
                List<String> listed = store().list(prefix + "pages/").map(BlobInfo::path).collectList()
                        .block(timeout());
                assertThat(listed).as("listing %d", listing).containsAll(lasting);
            }
        } finally {
            writing.set(false);
            writers.shutdown();
            assertThat(writers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void blobsAreReadableAsPlainFilesUnderTheRoot() throws IOException {
        store().putBytes(prefix + "result.json", utf8("{}"), PutCondition.none()).block(timeout());

        assertThat(Files.readString(root.resolve("blobs").resolve(prefix + "result.json"))).isEqualTo("{}");
    }

    @Test
    void aFailedBodyLeavesNeitherABlobNorATemporaryFile() throws IOException {
        String path = prefix + "documents/d/source";
        Flux<ByteBuffer> failing = Flux.concat(Flux.just(ByteBuffer.wrap(new byte[1024])),
                Flux.error(new IllegalStateException("upload aborted")));

        StepVerifier.create(store().put(path, failing, PutCondition.none(), Map.of()))
                .expectErrorMessage("upload aborted")
                .verify(timeout());

        assertThat(store().stat(path).blockOptional(timeout())).isEmpty();
        try (Stream<Path> files = Files.walk(root.resolve("blobs"))) {
            assertThat(files.filter(Files::isRegularFile).toList()).isEmpty();
        }
    }

    @Test
    void storesOnTheSameRootShareTheirConditionalWrites() {
        String path = prefix + "progress.json";
        try (FileSystemBlobStore other = FileSystemBlobStore.create(root)) {
            BlobInfo first = store().putBytes(path, utf8("v1"), PutCondition.ifAbsent()).block(timeout());

            StepVerifier.create(other.putBytes(path, utf8("v1 again"), PutCondition.ifAbsent()))
                    .expectError(ConflictException.class)
                    .verify(timeout());
            BlobInfo second = other.putBytes(path, utf8("v2"), PutCondition.ifMatch(first.etag())).block(timeout());
            assertThat(store().read(path).block(timeout()).etag()).isEqualTo(second.etag());
        }
    }

    @Test
    void aFilePutThereByHandGetsAnEtagThatChangesWithIt() throws IOException {
        Path file = root.resolve("blobs").resolve(prefix + "by-hand.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "one");
        String before = store().stat(prefix + "by-hand.txt").block(timeout()).etag();

        BlobInfo replaced = store().putBytes(prefix + "by-hand.txt", utf8("two"), PutCondition.ifMatch(before))
                .block(timeout());

        assertThat(replaced.etag()).isNotEqualTo(before);
        assertThat(store().list(prefix).map(BlobInfo::path).collectList().block(timeout()))
                .containsExactly(prefix + "by-hand.txt");
    }

    @Test
    void aWriteLeavesOneFileAndASidecarOnlyForMetadataWhichALaterWriteWithoutItDrops() throws IOException {
        String path = prefix + "documents/d/source";
        Path sidecar = root.resolve("meta").resolve(path);

        store().putBytes(path, utf8("plain"), PutCondition.none()).block(timeout());
        assertThat(sidecar).doesNotExist();
        store().put(path, Flux.just(ByteBuffer.wrap(utf8("tagged"))), PutCondition.none(), Map.of("fileName", "a.pdf"))
                .block(timeout());
        assertThat(sidecar).exists();
        assertThat(store().stat(path).block(timeout()).metadata()).containsEntry("fileName", "a.pdf");
        store().putBytes(path, utf8("plain again"), PutCondition.none()).block(timeout());

        assertThat(store().stat(path).block(timeout()).metadata()).as("the sidecar names another version").isEmpty();
        try (Stream<Path> files = Files.walk(root.resolve("blobs"))) {
            assertThat(files.filter(Files::isRegularFile).map(file -> root.resolve("blobs").relativize(file)
                    .toString())).containsExactly(path);
        }
    }

    @Test
    void aRootWrittenWithSidecarsKeepsThemSoItsEtagsAndMetadataStayWhatTheyWere() throws IOException {
        Path legacy = Files.createDirectory(root.resolve("legacy"));
        String path = "matters/m/documents/d/source";
        BlobInfo written;
        try (DefaultFileSystemBlobStore before = DefaultFileSystemBlobStore.open(legacy, false)) {
            written = before.put(path, Flux.just(ByteBuffer.wrap(utf8("pdf"))), PutCondition.none(),
                    Map.of("fileName", "a.pdf")).block(timeout());
        }

        try (FileSystemBlobStore reopened = FileSystemBlobStore.create(legacy)) {
            BlobInfo now = reopened.stat(path).block(timeout());
            assertThat(now.etag()).isEqualTo(written.etag());
            assertThat(now.metadata()).containsEntry("fileName", "a.pdf");
            BlobInfo next = reopened.putBytes(path, utf8("pdf 2"), PutCondition.ifMatch(written.etag()))
                    .block(timeout());
            assertThat(reopened.stat(path).block(timeout()).etag()).isEqualTo(next.etag());
        }
        assertThat(legacy.resolve("stamped-versions")).doesNotExist();
        store().putBytes(prefix + "x", utf8("x"), PutCondition.none()).block(timeout());
        assertThat(root.resolve("stamped-versions")).as("a new root is stamped").exists();
    }

    @Test
    void aVersionIsNewerThanTheFileItReplacesEvenWhenThatFileIsAheadOfTheClock() throws IOException {
        // As another process whose clock runs ahead would leave it: the next write must still get a newer version.
        String path = prefix + "progress.json";
        BlobInfo first = store().putBytes(path, utf8("1"), PutCondition.none()).block(timeout());
        Path file = root.resolve("blobs").resolve(path);
        FileTime ahead = FileTime.from(Instant.now().plus(Duration.ofHours(1)));
        Files.setLastModifiedTime(file, ahead);
        String aheadEtag = store().stat(path).block(timeout()).etag();

        BlobInfo next = store().putBytes(path, utf8("2"), PutCondition.ifMatch(aheadEtag)).block(timeout());

        assertThat(next.etag()).isNotEqualTo(aheadEtag).isNotEqualTo(first.etag());
        assertThat(Files.getLastModifiedTime(file)).isGreaterThan(ahead);
        StepVerifier.create(store().putBytes(path, utf8("3"), PutCondition.ifMatch(aheadEtag)))
                .expectError(ConflictException.class)
                .verify(timeout());
    }

    @Test
    void fileIoNeverRunsOnTheCallersNonBlockingThread() {
        // BlockHound is installed: any file access on this parallel thread would fail the chain.
        String path = prefix + "on-parallel.json";
        List<String> etags = Mono.defer(() -> store().putBytes(path, utf8("x"), PutCondition.ifAbsent()))
                .flatMap(info -> store().read(path).map(content -> List.of(info.etag(), content.etag())))
                .flatMap(pair -> store().list(prefix).then(store().get(path).then())
                        .then(store().deleteAll(List.of(path))).thenReturn(pair))
                .subscribeOn(Schedulers.parallel())
                .block(timeout());

        assertThat(etags.get(0)).isEqualTo(etags.get(1));
    }

    @Test
    void blockHoundIsActive() {
        StepVerifier.create(Mono.fromCallable(() -> { Thread.sleep(1); return 1; }).subscribeOn(Schedulers.parallel()))
                .expectErrorSatisfies(error -> assertThat(error.getClass().getName())
                        .isEqualTo("reactor.blockhound.BlockingOperationError"))
                .verify(timeout());
    }
}
