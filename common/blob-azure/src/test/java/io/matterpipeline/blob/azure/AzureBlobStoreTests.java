package io.matterpipeline.blob.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.azure.storage.blob.models.AccessTier;
import io.matterpipeline.NonBlockingThreads;
import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.BlobStoreContractTests;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.testkit.azurite.Azurite;
import io.matterpipeline.testkit.net.LoopbackPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The blob store contract on Azurite, plus what only the Azure store does: blob batches, access tiers, bounded-memory
 * streaming of large documents and the classification of Azure failures.
 */
class AzureBlobStoreTests extends BlobStoreContractTests {

    private static Azurite azurite;
    private static AzureBlobStore store;

    @BeforeAll
    static void startAzurite() {
        NonBlockingThreads.enforce();
        azurite = Azurite.shared();
        store = AzureBlobStore.create(AzureBlobProperties.ofConnectionString(azurite.connectionString(),
                container("contract")));
    }

    @Override
    protected BlobStore store() {
        return store;
    }

    @Test
    void createsItsContainerOnFirstWrite() {
        String name = container("fresh");
        AzureBlobStore fresh = AzureBlobStore.create(AzureBlobProperties.ofConnectionString(
                azurite.connectionString(), name));

        assertThat(fresh.list("").collectList().block(timeout())).isEmpty();
        fresh.putBytes("a.json", utf8("{}"), PutCondition.none()).block(timeout());

        assertThat(fresh.containerName()).isEqualTo(name);
        assertThat(fresh.read("a.json").block(timeout()).bytes()).isEqualTo(utf8("{}"));
    }

    @Test
    void missingContainerIsNotFoundWhenCreationIsOff() {
        AzureBlobProperties defaults = AzureBlobProperties.ofConnectionString(azurite.connectionString(),
                container("absent"));
        AzureBlobStore absent = AzureBlobStore.create(new AzureBlobProperties(defaults.connectionString(), null,
                defaults.container(), false, defaults.blockSize(), defaults.maxConcurrency(), defaults.maxTries(),
                defaults.tryTimeout(), defaults.batchSize(), defaults.batchConcurrency(), defaults.batchRetries(),
                defaults.batchRetryBackoff()));

        StepVerifier.create(absent.putBytes("a.json", utf8("{}"), PutCondition.none()))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(NotFoundException.class)
                        .hasMessageContaining("container does not exist"))
                .verify(timeout());
        assertThat(absent.stat("a.json").blockOptional(timeout())).isEmpty();
        assertThat(absent.list("").collectList().block(timeout())).isEmpty();
    }

    @Test
    void deletingAMatterWith600BlobsLeavesNone() {
        String matterId = "m-" + UUID.randomUUID();
        List<String> paths = new ArrayList<>();
        for (int page = 1; page <= 299; page++) {
            paths.add(BlobPaths.page(matterId, "d1", page));
            paths.add(BlobPaths.extraction(matterId, "d1", page));
        }
        paths.add(BlobPaths.documentSource(matterId, "d1"));
        paths.add(BlobPaths.matterManifest(matterId));
        String neighbour = BlobPaths.matterManifest("other-" + matterId);
        Flux.fromIterable(paths).concatWithValues(neighbour)
                .flatMap(path -> store.putBytes(path, utf8(path), PutCondition.none()), 32)
                .then()
                .block(timeout());
        List<String> listed = store.list(BlobPaths.matterPrefix(matterId)).map(BlobInfo::path).collectList()
                .block(timeout());
        assertThat(listed).hasSize(600);

        // 600 paths in one call: more than two batches of 256, which Azurite (like Azure) refuses to exceed.
        Long deleted = store.deleteAll(listed).block(timeout());

        assertThat(deleted).isEqualTo(600);
        assertThat(store.list(BlobPaths.matterPrefix(matterId)).collectList().block(timeout())).isEmpty();
        assertThat(store.stat(neighbour).blockOptional(timeout())).isPresent();
        assertThat(store.deleteAll(listed).block(timeout())).as("already gone").isZero();
    }

    @Test
    void archiveMovesTheGivenBlobsToTheCoolTier() {
        String matterId = "m-" + UUID.randomUUID();
        String source1 = BlobPaths.documentSource(matterId, "d1");
        String source2 = BlobPaths.documentSource(matterId, "d2");
        String result = BlobPaths.matterResult(matterId);
        for (String path : List.of(source1, source2, result)) {
            store.putBytes(path, utf8("%PDF-1.7"), PutCondition.none()).block(timeout());
        }

        Long archived = store.archive(List.of(source1, source2, BlobPaths.documentSource(matterId, "never")))
                .block(timeout());

        assertThat(archived).isEqualTo(2);
        assertThat(tier(source1)).isEqualTo(AccessTier.COOL);
        assertThat(tier(source2)).isEqualTo(AccessTier.COOL);
        assertThat(tier(result)).isNotEqualTo(AccessTier.COOL);
        assertThat(store.read(source1).block(timeout()).bytes()).as("still readable").isEqualTo(utf8("%PDF-1.7"));
    }

    @Test
    void archivesMoreBlobsThanOneBatchHolds() {
        String prefix = "matters/m-" + UUID.randomUUID() + "/documents/";
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            paths.add(prefix + "d" + i + "/source");
        }
        Flux.fromIterable(paths)
                .flatMap(path -> store.putBytes(path, utf8("x"), PutCondition.none()), 32)
                .then()
                .block(timeout());

        assertThat(store.archive(paths).block(timeout())).isEqualTo(300);
        assertThat(tier(paths.get(0))).isEqualTo(AccessTier.COOL);
        assertThat(tier(paths.get(299))).isEqualTo(AccessTier.COOL);
    }

    @Test
    void a100MbDocumentStreamsBothWaysInAHeapSmallerThanTheDocument(@TempDir Path temp)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path output = temp.resolve("probe.log");
        // 64 MiB of heap for a 100 MiB document: only a store that streams both ways can pass.
        Process probe = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                StreamingProbe.class.getName(), azurite.connectionString(), container("stream"), "100")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        boolean finished = probe.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            probe.destroyForcibly();
        }
        String log = Files.readString(output, StandardCharsets.UTF_8);

        assertThat(finished).as("probe finished: %s", log).isTrue();
        assertThat(probe.exitValue()).as("probe exit code, output:%n%s", log).isZero();
        assertThat(log).contains("OK " + 100L * 1024 * 1024 + " bytes");
    }

    @Test
    void unreachableStorageIsTransient() throws IOException {
        // Nothing listens there, and outside the ephemeral range no client connection can connect to itself on it.
        int closedPort = LoopbackPorts.next();
        String connectionString = azurite.connectionString()
                .replace("127.0.0.1:" + azurite.port(), "127.0.0.1:" + closedPort);
        AzureBlobStore unreachable = AzureBlobStore.create(AzureBlobProperties.ofConnectionString(connectionString,
                container("down")).withRetries(1, Duration.ofSeconds(5)));

        assertTransient(unreachable.putBytes("a.json", utf8("{}"), PutCondition.none()));
        assertTransient(unreachable.get("a.json").then());
        assertTransient(unreachable.stat("a.json"));
        assertTransient(unreachable.list("").then());
        assertTransient(unreachable.deleteAll(List.of("a.json")));
    }

    @Test
    void serverErrorsAreRetriedThenTransient() throws IOException {
        try (FailingServer server = FailingServer.answering(503)) {
            String connectionString = azurite.connectionString()
                    .replace("127.0.0.1:" + azurite.port(), "127.0.0.1:" + server.port());
            AzureBlobStore failing = AzureBlobStore.create(AzureBlobProperties.ofConnectionString(connectionString,
                    container("failing")).withRetries(2, Duration.ofSeconds(5)));

            assertTransient(failing.stat("a.json"));
            assertThat(server.requests()).as("first try and one retry").isEqualTo(2);
            assertTransient(failing.get("a.json").then());
            assertTransient(failing.deleteAll(List.of("a.json", "b.json")));
        }
    }

    private void assertTransient(Mono<?> operation) {
        StepVerifier.create(operation)
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(TransientException.class)
                        .extracting(e -> ((PipelineException) e).reason()).isEqualTo("blob-unavailable"))
                .verify(timeout());
    }

    private AccessTier tier(String path) {
        return store.blob(path).getProperties().block(timeout()).getAccessTier();
    }

    /** A container name of its own for each store: Azure container names are lowercase, digits and hyphens. */
    private static String container(String purpose) {
        return purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A loopback HTTP server that answers every request with one status, counting requests. */
    private static final class FailingServer implements AutoCloseable {

        private final HttpServer server;
        private final AtomicInteger requests = new AtomicInteger();

        private FailingServer(int status) throws IOException {
            server = HttpServer.create(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                requests.incrementAndGet();
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().add("x-ms-error-code", "ServerBusy");
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            });
            server.start();
        }

        static FailingServer answering(int status) throws IOException {
            return new FailingServer(status);
        }

        int port() {
            return server.getAddress().getPort();
        }

        int requests() {
            return requests.get();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
