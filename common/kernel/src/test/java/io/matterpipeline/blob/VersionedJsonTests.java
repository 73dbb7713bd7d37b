package io.matterpipeline.blob;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.PoisonException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.metering.PortCounter;
import io.matterpipeline.metering.PortCounts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

class VersionedJsonTests {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final VersionedJson.RetryPolicy FAST =
            new VersionedJson.RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(5), 0.5);

    @TempDir
    Path root;

    private FileSystemBlobStore files;
    private PortCounter counter;
    private SimpleMeterRegistry meters;

    /** A set of names: a value with equality. */
    record Names(List<String> names) {

        Names with(String name) {
            if (names.contains(name)) {
                return this;
            }
            List<String> more = new java.util.ArrayList<>(names);
            more.add(name);
            return new Names(more);
        }
    }

    @BeforeEach
    void open() {
        files = FileSystemBlobStore.create(root);
        counter = new PortCounter();
        meters = new SimpleMeterRegistry();
    }

    @AfterEach
    void close() {
        files.close();
    }

    private VersionedJson<Names> names(BlobStore store) {
        return VersionedJson.of(counter.count(store), MessageCodec.mapper(), Names.class, "names", FAST, meters);
    }

    @Test
    void createsWithIfNoneMatchThenChangesWithIfMatchAndSkipsChangesThatChangeNothing() {
        VersionedJson<Names> names = names(files);

        assertThat(names.update("n.json", () -> new Names(List.of()), n -> n.with("a")).block(WAIT))
                .isEqualTo(new Names(List.of("a")));
        String etag = names.read("n.json").block(WAIT).etag();
        assertThat(names.update("n.json", () -> new Names(List.of()), n -> n.with("b")).block(WAIT))
                .isEqualTo(new Names(List.of("a", "b")));
        String changed = names.read("n.json").block(WAIT).etag();
        assertThat(changed).isNotEqualTo(etag);
        assertThat(names.update("n.json", () -> new Names(List.of()), n -> n.with("a")).block(WAIT))
                .isEqualTo(new Names(List.of("a", "b")));

        assertThat(names.read("n.json").block(WAIT).etag()).isEqualTo(changed);
        PortCounts counts = counter.snapshot();
        assertThat(counts.blobWrites()).isEqualTo(2);
        assertThat(counts.casConflicts()).isZero();
        assertThat(meters.get("matterpipeline.cas.conflicts").counter().count()).isZero();
        StepVerifier.create(names.create("n.json", new Names(List.of("c"))))
                .expectErrorSatisfies(error -> assertThat(PutCondition.refused(error)).isTrue())
                .verify(WAIT);
    }

    @Test
    void aLostRaceIsReappliedToTheOtherWritersDocument() {
        VersionedJson<Names> names = names(new Racing(files, 2, "other"));
        names.update("n.json", () -> new Names(List.of()), n -> n.with("a")).block(WAIT);

        assertThat(names.update("n.json", () -> new Names(List.of()), n -> n.with("b")).block(WAIT))
                .isEqualTo(new Names(List.of("a", "other-1", "other-2", "b")));
        assertThat(counter.snapshot().casConflicts()).isEqualTo(2);
        assertThat(meters.get("matterpipeline.cas.conflicts").tag("blob", "names").counter().count()).isEqualTo(2);
    }

    @Test
    void givesUpAsContentionAfterTheRetriesOfThePolicy() {
        Racing racing = new Racing(files, Integer.MAX_VALUE, "other");
        VersionedJson<Names> names = names(racing);
        files.putBytes("n.json", json("{\"names\":[]}"), PutCondition.none()).block(WAIT);

        StepVerifier.create(names.update("n.json", () -> new Names(List.of()), n -> n.with("b")))
                .expectErrorSatisfies(error -> {
                    assertThat(error).isInstanceOf(TransientException.class);
                    assertThat(((PipelineException) error).reason()).isEqualTo("names-contention");
                })
                .verify(WAIT);
        assertThat(racing.races.get()).isEqualTo(FAST.retries() + 1);
        assertThat(meters.get("matterpipeline.cas.conflicts").tag("blob", "names").counter().count())
                .isEqualTo(FAST.retries() + 1);
    }

    @Test
    void anUnreadableDocumentIsPoisonAndAFailingChangeIsNotRetried() {
        VersionedJson<Names> names = names(files);
        files.putBytes("bad.json", json("not json"), PutCondition.none()).block(WAIT);
        StepVerifier.create(names.update("bad.json", () -> new Names(List.of()), n -> n.with("a")))
                .expectErrorSatisfies(error -> assertThat(((PoisonException) error).reason())
                        .isEqualTo("corrupt-names"))
                .verify(WAIT);

        AtomicInteger calls = new AtomicInteger();
        StepVerifier.create(names.update("n.json", () -> new Names(List.of()), n -> {
                    calls.incrementAndGet();
                    throw new BadInputException("refused", "the change refuses");
                }))
                .expectError(BadInputException.class)
                .verify(WAIT);
        assertThat(calls).hasValue(1);
        assertThat(names.read("n.json").blockOptional(WAIT)).isEmpty();
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Before each of its first {@code races} conditional writes, another writer adds a name. */
    private static final class Racing extends DelegatingBlobStore {
        private final int limit;
        private final String writer;
        final AtomicInteger races = new AtomicInteger();

        Racing(BlobStore delegate, int limit, String writer) {
            super(delegate);
            this.limit = limit;
            this.writer = writer;
        }

        @Override
        public Mono<BlobInfo> put(String path, Flux<ByteBuffer> content, PutCondition condition,
                Map<String, String> metadata) {
            if (!(condition instanceof PutCondition.IfMatch) || races.get() >= limit) {
                return delegate.put(path, content, condition, metadata);
            }
            return delegate.read(path)
                    .flatMap(current -> {
                        Names names = MessageCodec.mapper().readValue(current.bytes(), Names.class);
                        byte[] other = MessageCodec.mapper().writeValueAsBytes(
                                names.with(writer + "-" + races.incrementAndGet()));
                        return delegate.putBytes(path, other, PutCondition.none());
                    })
                    .then(delegate.put(path, content, condition, metadata));
        }
    }
}
