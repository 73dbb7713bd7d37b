package io.matterpipeline.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.NotFoundException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.retry.Retry;

/**
 * The {@link BlobStore} contract, run unchanged against every adapter (filesystem, Azure Blob Storage on Azurite).
 * A subclass provides the store ({@link #store()}); every test works under its own random prefix, so a store may be
 * shared between tests.
 */
public abstract class BlobStoreContractTests {

    /** The store under test. */
    protected abstract BlobStore store();

    /** The longest any single step may take. */
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }

    /** A prefix unique to the calling test. */
    protected final String prefix = "contract/" + UUID.randomUUID() + "/";

    @Test
    public void putThenGetRoundTripsTheBytesAndStatDescribesTheBlob() {
        String path = prefix + "matter.json";
        BlobInfo written = store().putBytes(path, utf8("{\"a\":1}"), PutCondition.none()).block(timeout());

        assertThat(written.path()).isEqualTo(path);
        assertThat(written.size()).isEqualTo(7);
        assertThat(written.etag()).isNotBlank();
        assertThat(join(store().get(path))).isEqualTo(utf8("{\"a\":1}"));
        BlobContent content = store().read(path).block(timeout());
        assertThat(content.bytes()).isEqualTo(utf8("{\"a\":1}"));
        assertThat(content.etag()).isEqualTo(written.etag());
        BlobInfo stat = store().stat(path).block(timeout());
        assertThat(stat.size()).isEqualTo(7);
        assertThat(stat.etag()).isEqualTo(written.etag());
        assertThat(stat.lastModified()).isNotNull();
    }

    @Test
    public void everyWriteChangesTheEtagEvenWithTheSameContent() {
        String path = prefix + "progress.json";
        String first = store().putBytes(path, utf8("same"), PutCondition.none()).block(timeout()).etag();
        String second = store().putBytes(path, utf8("same"), PutCondition.none()).block(timeout()).etag();

        assertThat(second).isNotEqualTo(first);
        assertThat(store().stat(path).block(timeout()).etag()).isEqualTo(second);
    }

    @Test
    public void largeBodiesStreamInChunksBothWays() throws NoSuchAlgorithmException {
        String path = prefix + "documents/d/source";
        int chunks = 96;
        int chunkSize = 64 * 1024;
        MessageDigest written = MessageDigest.getInstance("SHA-256");
        AtomicLong produced = new AtomicLong();
        Flux<ByteBuffer> body = Flux.range(0, chunks).map(i -> {
            byte[] chunk = new byte[chunkSize];
            for (int j = 0; j < chunk.length; j++) {
                chunk[j] = (byte) (i * 31 + j);
            }
            written.update(chunk);
            produced.addAndGet(chunk.length);
            return ByteBuffer.wrap(chunk);
        });

        BlobInfo info = store().put(path, body, PutCondition.none(), Map.of()).block(timeout());

        assertThat(info.size()).isEqualTo((long) chunks * chunkSize).isEqualTo(produced.get());
        MessageDigest read = MessageDigest.getInstance("SHA-256");
        List<Integer> sizes = store().get(path)
                .map(buffer -> {
                    int size = buffer.remaining();
                    read.update(buffer);
                    return size;
                })
                .collectList()
                .block(timeout());
        assertThat(sizes).hasSizeGreaterThan(1);
        assertThat(sizes.stream().mapToLong(Integer::longValue).sum()).isEqualTo((long) chunks * chunkSize);
        assertThat(read.digest()).isEqualTo(written.digest());
    }

    @Test
    public void getIsLazyAndHonoursDemand() {
        String path = prefix + "big";
        store().put(path, Flux.range(0, 32).map(i -> ByteBuffer.wrap(new byte[64 * 1024])), PutCondition.none(),
                Map.of()).block(timeout());

        StepVerifier.create(store().get(path), 1)
                .expectNextCount(1)
                .thenCancel()
                .verify(timeout());
    }

    @Test
    public void ifAbsentFailsWhenTheBlobExists() {
        String path = prefix + "documents/d/pages/00001.json";
        store().putBytes(path, utf8("first"), PutCondition.ifAbsent()).block(timeout());

        StepVerifier.create(store().putBytes(path, utf8("second"), PutCondition.ifAbsent()))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(ConflictException.class)
                        .extracting(e -> ((ConflictException) e).reason()).isEqualTo("precondition-failed"))
                .verify(timeout());
        assertThat(store().read(path).block(timeout()).bytes()).isEqualTo(utf8("first"));
    }

    @Test
    public void ifMatchWritesOnlyOverTheExpectedVersion() {
        String path = prefix + "progress.json";
        String v1 = store().putBytes(path, utf8("v1"), PutCondition.ifAbsent()).block(timeout()).etag();
        String v2 = store().putBytes(path, utf8("v2"), PutCondition.ifMatch(v1)).block(timeout()).etag();

        StepVerifier.create(store().putBytes(path, utf8("stale"), PutCondition.ifMatch(v1)))
                .expectError(ConflictException.class)
                .verify(timeout());
        StepVerifier.create(store().putBytes(prefix + "missing", utf8("x"), PutCondition.ifMatch(v2)))
                .expectError(ConflictException.class)
                .verify(timeout());
        BlobContent current = store().read(path).block(timeout());
        assertThat(current.bytes()).isEqualTo(utf8("v2"));
        assertThat(current.etag()).isEqualTo(v2);
    }

    @Test
    public void concurrentCompareAndSetIncrementsLoseNoUpdate() {
        String path = prefix + "counter";
        store().putBytes(path, utf8("0"), PutCondition.ifAbsent()).block(timeout());
        int writers = 8;
        int incrementsEach = 15;

        Flux.range(0, writers)
                .flatMap(writer -> Flux.range(0, incrementsEach).concatMap(i -> increment(path)), writers)
                .then()
                .block(timeout().multipliedBy(2));

        String count = new String(store().read(path).block(timeout()).bytes(), StandardCharsets.UTF_8);
        assertThat(Integer.parseInt(count)).isEqualTo(writers * incrementsEach);
    }

    @Test
    public void listReturnsBlobsUnderThePrefixInLexicographicOrder() {
        List<String> paths = List.of("b/2.json", "a/10.json", "a/09.json", "a/1.json", "c", "ab");
        Flux.fromIterable(paths)
                .concatMap(path -> store().putBytes(prefix + path, utf8(path), PutCondition.none()))
                .then()
                .block(timeout());
        store().putBytes("contract/elsewhere-" + UUID.randomUUID(), utf8("x"), PutCondition.none()).block(timeout());

        List<BlobInfo> all = store().list(prefix).collectList().block(timeout());
        List<String> underA = store().list(prefix + "a/").map(BlobInfo::path).collectList().block(timeout());
        List<String> startingWithA = store().list(prefix + "a").map(BlobInfo::path).collectList().block(timeout());

        assertThat(all).extracting(BlobInfo::path).containsExactly(prefix + "a/09.json", prefix + "a/1.json",
                prefix + "a/10.json", prefix + "ab", prefix + "b/2.json", prefix + "c");
        assertThat(all).allSatisfy(info -> assertThat(info.etag()).isNotBlank());
        assertThat(all.get(5).size()).isEqualTo(1);
        assertThat(underA).containsExactly(prefix + "a/09.json", prefix + "a/1.json", prefix + "a/10.json");
        assertThat(startingWithA).containsExactly(prefix + "a/09.json", prefix + "a/1.json", prefix + "a/10.json",
                prefix + "ab");
        assertThat(store().list(prefix + "nothing/").collectList().block(timeout())).isEmpty();
    }

    @Test
    public void deleteAllRemovesEveryBlobAndIgnoresMissingOnes() {
        List<String> paths = IntStream.range(0, 600)
                .mapToObj(i -> prefix + "pages/" + String.format("%05d", i) + ".json")
                .toList();
        Flux.fromIterable(paths)
                .flatMap(path -> store().putBytes(path, utf8("page"), PutCondition.none()), 16)
                .then()
                .block(timeout());
        List<String> withMissing = new ArrayList<>(paths);
        withMissing.add(prefix + "never-written");

        Long deleted = store().deleteAll(withMissing).block(timeout());

        assertThat(deleted).isEqualTo(600);
        assertThat(store().list(prefix).collectList().block(timeout())).isEmpty();
        assertThat(store().stat(paths.get(0)).blockOptional(timeout())).isEmpty();
    }

    @Test
    public void missingBlobIsNotFoundOnGetAndEmptyOnStatAndRead() {
        String path = prefix + "missing.json";

        StepVerifier.create(store().get(path)).expectError(NotFoundException.class).verify(timeout());
        assertThat(store().stat(path).blockOptional(timeout())).isEmpty();
        assertThat(store().read(path).blockOptional(timeout())).isEmpty();
    }

    @Test
    public void metadataRoundTrips() {
        String path = prefix + "documents/d/source";
        Map<String, String> metadata = Map.of("filename", "contract.pdf", "contenttype", "application/pdf");

        BlobInfo written = store().put(path, Flux.just(ByteBuffer.wrap(utf8("%PDF-"))), PutCondition.none(), metadata)
                .block(timeout());

        assertThat(written.metadata()).isEqualTo(metadata);
        assertThat(store().stat(path).block(timeout()).metadata()).isEqualTo(metadata);
        assertThat(store().list(path).blockFirst(timeout()).metadata()).isEqualTo(metadata);
    }

    @Test
    public void invalidPathsAreRejectedAsBadInput() {
        List<String> invalid = List.of("/etc/passwd", "../x", prefix + "../x", prefix + "a/../../x", "a\\b",
                prefix + "a\u0000b", prefix + "line\nbreak", "", prefix + "a//b", prefix + ".");
        for (String path : invalid) {
            assertInvalid(store().putBytes(path, utf8("x"), PutCondition.none()), path);
            assertInvalid(store().get(path).then(), path);
            assertInvalid(store().stat(path), path);
            assertInvalid(store().read(path), path);
            assertInvalid(store().deleteAll(List.of(path)), path);
        }
        assertInvalid(store().list("../").then(), "../");
    }

    private void assertInvalid(Mono<?> operation, String path) {
        assertThatThrownBy(() -> operation.block(timeout()))
                .as("path %s", path.replace("\u0000", "\\0").replace("\n", "\\n"))
                .isInstanceOf(BadInputException.class)
                .extracting(e -> ((BadInputException) e).reason())
                .isEqualTo("invalid-path");
    }

    private Mono<BlobInfo> increment(String path) {
        return Mono.defer(() -> store().read(path)
                        .flatMap(current -> {
                            int next = Integer.parseInt(new String(current.bytes(), StandardCharsets.UTF_8)) + 1;
                            return store().putBytes(path, utf8(Integer.toString(next)),
                                    PutCondition.ifMatch(current.etag()));
                        }))
                .retryWhen(Retry.max(10_000).filter(ConflictException.class::isInstance));
    }

    private byte[] join(Flux<ByteBuffer> body) {
        return body.reduce(new java.io.ByteArrayOutputStream(), (out, buffer) -> {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            out.writeBytes(bytes);
            return out;
        }).map(java.io.ByteArrayOutputStream::toByteArray).block(timeout());
    }

    protected static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
