package io.matterpipeline.ingest.matter;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.DelegatingBlobStore;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.contract.DocumentReceived;
import io.matterpipeline.contract.MatterSealed;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TooLargeException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.ingest.IngestProperties;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Intake, lifecycle and queries together, without HTTP: retried announcements, contention, streaming limits. */
class MattersTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String TENANT = "default";

    @BeforeAll
    static void noBlockingOnReactorThreads() {
        NonBlockingThreads.enforce();
    }

    @TempDir
    Path root;

    FileSystemBlobStore blobs;
    RecordingBus bus;
    MatterIntake intake;
    MatterQueries queries;

    @BeforeEach
    void setUp() {
        blobs = FileSystemBlobStore.create(root);
        bus = new RecordingBus();
        IngestProperties properties = new IngestProperties(DataSize.ofKilobytes(1), 50, 200, "default", 50,
                Duration.ofMillis(1), 4);
        Matters matters = Matters.create(blobs, bus, properties, Clock.systemUTC());
        intake = matters.intake();
        queries = matters.queries();
    }

    @AfterEach
    void tearDown() {
        blobs.close();
    }

    @Test
    void aSealWhoseAnnouncementFailedIsCompletedByTheNextSeal() {
        String matterId = intake.create(TENANT, "m").block(TIMEOUT).matterId();
        DocumentView document = upload(matterId, "a.txt", "alpha");
        bus.failWhen(message -> message.type().equals(MatterSealed.TYPE));

        StepVerifier.create(intake.seal(TENANT, matterId))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(TransientException.class)
                        .extracting(e -> ((PipelineException) e).reason()).isEqualTo("publish-failed"))
                .verify(TIMEOUT);
        // Sealed already: no more documents, even though nobody heard of it yet.
        StepVerifier.create(intake.upload(TENANT, matterId, new DocumentUpload("late.txt", null, bytes("late"))))
                .expectErrorSatisfies(error -> assertThat(((PipelineException) error).reason()).isEqualTo("matter-sealed"))
                .verify(TIMEOUT);

        bus.failWhen(message -> false);
        StepVerifier.create(intake.seal(TENANT, matterId))
                .assertNext(sealed -> {
                    assertThat(sealed.resumed()).isTrue();
                    assertThat(sealed.documentCount()).isEqualTo(1);
                })
                .verifyComplete();
        assertThat(bus.published("results")).containsExactly(new MatterSealed(matterId,
                List.of(new io.matterpipeline.contract.SealedDocument(document.documentId(), "a.txt"))));

        StepVerifier.create(intake.seal(TENANT, matterId))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(ConflictException.class)
                        .extracting(e -> ((PipelineException) e).reason()).isEqualTo("matter-already-sealed"))
                .verify(TIMEOUT);
    }

    @Test
    void aDocumentNotAnnouncedAtUploadIsAnnouncedOnSeal() {
        String matterId = intake.create(TENANT, null).block(TIMEOUT).matterId();
        bus.failWhen(message -> message.type().equals(DocumentReceived.TYPE));
        DocumentView document = upload(matterId, "a.txt", "alpha");
        assertThat(bus.published("documents")).isEmpty();

        bus.failWhen(message -> false);
        intake.seal(TENANT, matterId).block(TIMEOUT);

        assertThat(bus.published("documents")).containsExactly(new DocumentReceived(matterId, document.documentId(),
                "a.txt", BlobPaths.documentSource(matterId, document.documentId()), 5, "text/plain"));
        assertThat(bus.published("results")).hasSize(1);
    }

    @Test
    void aMatterSealedWhileAnUploadStreamsRefusesItAndKeepsNoBytes() {
        String matterId = intake.create(TENANT, null).block(TIMEOUT).matterId();
        // The seal lands after the upload passed its early check, while its body is being read.
        Flux<ByteBuffer> sealMidway = Flux.concat(
                intake.seal(TENANT, matterId).then(Mono.<ByteBuffer>empty()),
                bytes("arrived too late"));

        StepVerifier.create(intake.upload(TENANT, matterId, new DocumentUpload("late.txt", null, sealMidway)))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(ConflictException.class)
                        .extracting(e -> ((PipelineException) e).reason()).isEqualTo("matter-sealed"))
                .verify(TIMEOUT);
        assertThat(blobs.list(BlobPaths.matterPrefix(matterId)).map(BlobInfo::path).collectList().block(TIMEOUT))
                .containsExactly(BlobPaths.matterManifest(matterId));
        assertThat(bus.published("results")).containsExactly(new MatterSealed(matterId, List.of()));
    }

    @Test
    void concurrentUploadsToOneMatterAreAllRecorded() {
        String matterId = intake.create(TENANT, null).block(TIMEOUT).matterId();
        List<DocumentView> uploaded = Flux.range(0, 12)
                .flatMap(i -> intake.upload(TENANT, matterId,
                        new DocumentUpload("doc" + i + ".txt", null, bytes("document " + i))), 12)
                .collectList()
                .block(TIMEOUT);

        MatterStatusView status = queries.status(TENANT, matterId).block(TIMEOUT);
        assertThat(status.documents()).extracting(DocumentStatusView::documentId)
                .containsExactlyInAnyOrderElementsOf(uploaded.stream().map(DocumentView::documentId).toList());
        assertThat(bus.published("documents")).hasSize(12);
    }

    @Test
    void anOversizedStreamIsCutOffAndNothingIsKept() {
        String matterId = intake.create(TENANT, null).block(TIMEOUT).matterId();
        AtomicLong produced = new AtomicLong();
        // An endless body: the limit must stop reading it, not wait for its end.
        Flux<ByteBuffer> endless = Flux.generate(sink -> {
            produced.incrementAndGet();
            sink.next(ByteBuffer.wrap(new byte[100]));
        });

        StepVerifier.create(intake.upload(TENANT, matterId, new DocumentUpload("endless.bin", null, endless)))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(TooLargeException.class)
                        .extracting(e -> ((PipelineException) e).reason()).isEqualTo("document-too-large"))
                .verify(TIMEOUT);
        assertThat(produced.get()).isLessThan(1000);
        assertThat(blobs.list(BlobPaths.matterPrefix(matterId)).map(BlobInfo::path).collectList().block(TIMEOUT))
                .containsExactly(BlobPaths.matterManifest(matterId));
    }

    @Test
    void argumentErrorsArriveInsideThePublisher() {
        StepVerifier.create(queries.status(TENANT, "../x"))
                .expectErrorSatisfies(error -> assertThat(((PipelineException) error).reason()).isEqualTo("invalid-id"))
                .verify(TIMEOUT);
        StepVerifier.create(intake.create(TENANT, "x".repeat(201)))
                .expectErrorSatisfies(error -> assertThat(((PipelineException) error).reason()).isEqualTo("invalid-name"))
                .verify(TIMEOUT);
    }

    @Test
    void fileNamesAreLabelsWithoutDirectoriesOrControlCharacters() {
        assertThat(Labels.fileName("C:\\fakepath\\contract.pdf")).isEqualTo("contract.pdf");
        assertThat(Labels.fileName("../../etc/passwd")).isEqualTo("passwd");
        assertThat(Labels.fileName("a\u0000b\nc.txt")).isEqualTo("abc.txt");
        assertThat(Labels.fileName("..")).isEqualTo("document");
        assertThat(Labels.fileName("dir/")).isEqualTo("document");
        assertThat(Labels.fileName(null)).isEqualTo("document");
        assertThat(Labels.fileName("n".repeat(1000))).hasSize(255);
    }

    private DocumentView upload(String matterId, String fileName, String text) {
        return intake.upload(TENANT, matterId, new DocumentUpload(fileName, "text/plain", bytes(text))).block(TIMEOUT);
    }

    private static Flux<ByteBuffer> bytes(String text) {
        return Flux.just(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Records what was published; fails publishes on demand, as a broker outage would. */
    @Test
    void archiveMovesTheSourcesOfAFinalMatterToTheCoolTier() {
        TieringStore tiering = new TieringStore(blobs);
        Matters service = Matters.create(tiering, bus, IngestProperties.defaults(), Clock.systemUTC());
        String matterId = service.intake().create("acme", "archived").block(TIMEOUT).matterId();
        DocumentView document = service.intake().upload("acme", matterId, new DocumentUpload("a.txt", "text/plain",
                Flux.just(ByteBuffer.wrap("alpha".getBytes(StandardCharsets.UTF_8))))).block(TIMEOUT);

        StepVerifier.create(service.lifecycle().archive("acme", matterId))
                .expectErrorSatisfies(error -> assertThat(((PipelineException) error).reason())
                        .isEqualTo("matter-not-final"))
                .verify(TIMEOUT);
        assertThat(tiering.archived).isEmpty();

        // A document that could not be added (its request given up on) has no source to archive.
        assertThat(service.intake().recordFailedDocument("acme", matterId, "d-gone", "gone.pdf", "source-not-found",
                "No blob at inbox/gone.pdf").block(TIMEOUT)).isTrue();
        assertThat(service.intake().recordFailedDocument("acme", matterId, "d-gone", "gone.pdf", "source-not-found",
                "again").block(TIMEOUT)).as("recorded once").isFalse();
        service.lifecycle().cancel("acme", matterId).block(TIMEOUT);
        assertThat(service.intake().recordFailedDocument("acme", matterId, "d-late", "late.pdf", "source-not-found",
                "cancelled Matter").block(TIMEOUT)).as("a cancelled Matter takes nothing").isFalse();
        ArchiveView archived = service.lifecycle().archive("acme", matterId).block(TIMEOUT);

        assertThat(new String(tiering.read(BlobPaths.matterResult(matterId)).block(TIMEOUT).bytes(),
                StandardCharsets.UTF_8)).contains("\"documentId\":\"d-gone\",\"fileName\":\"gone.pdf\","
                        + "\"status\":\"FAILED\"");
        assertThat(archived.archivedBlobs()).isEqualTo(1);
        assertThat(archived.archivedAt()).isNotNull();
        assertThat(tiering.archived).containsExactly(BlobPaths.documentSource(matterId, document.documentId()));
        StepVerifier.create(service.lifecycle().archive("other-tenant", matterId))
                .expectErrorSatisfies(error -> assertThat(((PipelineException) error).reason())
                        .isEqualTo("matter-not-found"))
                .verify(TIMEOUT);
    }

    @Test
    void aResultIsReadFromTheStoreOnlyAsFastAsTheCallerTakesIt() {
        TieringStore counting = new TieringStore(blobs);
        Matters service = Matters.create(counting, bus, IngestProperties.defaults(), Clock.systemUTC());
        String matterId = service.intake().create(TENANT, null).block(TIMEOUT).matterId();
        int chunk = 64 * 1024;
        int chunks = 512;
        blobs.put(BlobPaths.matterResult(matterId), Flux.range(0, chunks).map(i -> ByteBuffer.allocate(chunk)),
                io.matterpipeline.blob.PutCondition.none(), java.util.Map.of()).block(TIMEOUT);

        // A 32 MB result, and a caller (the HTTP response) that takes two chunks: no more than a few are read.
        StepVerifier.create(service.queries().result(TENANT, matterId), 0)
                .thenRequest(2)
                .expectNextCount(2)
                .then(() -> assertThat(counting.streamed.get()).isLessThanOrEqualTo(4L * chunk))
                .thenCancel()
                .verify(TIMEOUT);

        counting.streamed.set(0);
        StepVerifier.create(service.queries().result(TENANT, matterId).map(ByteBuffer::remaining)
                        .reduce(0L, Long::sum))
                .expectNext((long) chunk * chunks)
                .verifyComplete();
        assertThat(counting.streamed.get()).isEqualTo((long) chunk * chunks);
    }

    /** A store with tiers: records what was archived, and counts the bytes streamed out by {@code get}. */
    static final class TieringStore extends DelegatingBlobStore implements io.matterpipeline.blob.BlobTiering {

        final List<String> archived = new CopyOnWriteArrayList<>();
        final AtomicLong streamed = new AtomicLong();

        TieringStore(io.matterpipeline.blob.BlobStore delegate) {
            super(delegate);
        }

        @Override
        public Mono<Long> archive(java.util.Collection<String> paths) {
            archived.addAll(paths);
            return Mono.just((long) paths.size());
        }

        @Override
        public Flux<ByteBuffer> get(String path) {
            return delegate.get(path).doOnNext(chunk -> streamed.addAndGet(chunk.remaining()));
        }
    }

    static final class RecordingBus implements MessageBus {

        private final List<Published> published = new CopyOnWriteArrayList<>();
        private volatile Predicate<OutboundMessage> failing = message -> false;
        private final AtomicInteger failures = new AtomicInteger();

        void failWhen(Predicate<OutboundMessage> failing) {
            this.failing = failing;
        }

        List<PipelineMessage> published(String queue) {
            return published.stream().filter(p -> p.queue().equals(queue))
                    .map(p -> MessageCodec.decode(p.message().body()))
                    .toList();
        }

        @Override
        public Mono<Void> publish(String queue, OutboundMessage message) {
            return publishAll(queue, List.of(message));
        }

        @Override
        public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
            return Mono.defer(() -> {
                if (messages.stream().anyMatch(failing)) {
                    failures.incrementAndGet();
                    return Mono.error(new IllegalStateException("broker unavailable"));
                }
                messages.forEach(message -> published.add(new Published(queue, message)));
                return Mono.empty();
            });
        }

        @Override
        public Flux<Delivery> receive(String queue, ReceiveOptions options) {
            return Flux.error(new UnsupportedOperationException("publish only"));
        }

        record Published(String queue, OutboundMessage message) {
        }
    }
}
