package io.matterpipeline.blob.azure;

import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.testkit.azurite.Azurite;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import reactor.core.publisher.Flux;

/**
 * Throughput of {@link AzureBlobStore} against Azurite (not a test: run by hand, see BENCHMARKS.md). Measures upload
 * and download MB/s of one large generated document and put/get per second of page-sized blobs, each over a few rounds,
 * and prints a Markdown table.
 *
 * <p>Arguments (all optional): document size in MiB (100), page blobs per round (2000), page blob size in bytes
 * (4096), page concurrency (16), rounds (3). With the system property {@code benchmark.connection-string} it runs
 * against that account instead of starting Azurite.
 */
public final class AzureBlobBenchmark {

    private static final Duration LIMIT = Duration.ofMinutes(10);

    private AzureBlobBenchmark() {
    }

    public static void main(String[] args) {
        long documentMiB = arg(args, 0, 100);
        int pages = (int) arg(args, 1, 2000);
        int pageSize = (int) arg(args, 2, 4096);
        int concurrency = (int) arg(args, 3, 16);
        int rounds = (int) arg(args, 4, 3);
        String external = System.getProperty("benchmark.connection-string");
        Azurite azurite = external == null ? Azurite.start() : null;
        try {
            String connectionString = external != null ? external : azurite.connectionString();
            AzureBlobProperties properties = AzureBlobProperties.ofConnectionString(connectionString,
                    "benchmark-" + UUID.randomUUID().toString().substring(0, 8));
            AzureBlobStore store = AzureBlobStore.create(properties);
            run(store, properties, documentMiB, pages, pageSize, concurrency, rounds);
            store.deleteAll(store.list("").map(info -> info.path()).collectList().block(LIMIT)).block(LIMIT);
        } finally {
            if (azurite != null) {
                azurite.close();
            }
        }
    }

    private static void run(AzureBlobStore store, AzureBlobProperties properties, long documentMiB, int pages,
            int pageSize, int concurrency, int rounds) {
        long documentBytes = documentMiB * 1024 * 1024;
        // Warm-up: container creation, connection pool, JIT.
        store.putBytes("warmup", new byte[pageSize], PutCondition.none()).block(LIMIT);
        store.put("warmup-large", GeneratedDocument.body(8L * 1024 * 1024, GeneratedDocument.sha256()),
                PutCondition.none(), Map.of()).block(LIMIT);
        store.get("warmup-large").count().block(LIMIT);

        double[] upload = new double[rounds];
        double[] download = new double[rounds];
        double[] puts = new double[rounds];
        double[] gets = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            String path = "matters/bench/documents/r" + round + "/source";
            long start = System.nanoTime();
            store.put(path, GeneratedDocument.body(documentBytes, GeneratedDocument.sha256()), PutCondition.none(),
                    Map.of()).block(LIMIT);
            upload[round] = mbPerSecond(documentBytes, System.nanoTime() - start);

            start = System.nanoTime();
            Long received = store.get(path).map(buffer -> (long) buffer.remaining()).reduce(0L, Long::sum)
                    .block(LIMIT);
            download[round] = mbPerSecond(received, System.nanoTime() - start);

            String pagePrefix = "matters/bench/documents/r" + round + "/pages/";
            List<String> pagePaths = IntStream.range(0, pages)
                    .mapToObj(i -> pagePrefix + String.format("%05d", i)
                            + ".json")
                    .toList();
            byte[] page = new byte[pageSize];
            Arrays.fill(page, (byte) 'x');
            start = System.nanoTime();
            Flux.fromIterable(pagePaths)
                    .flatMap(p -> store.put(p, Flux.just(ByteBuffer.wrap(page)), PutCondition.none(), Map.of()),
                            concurrency)
                    .then().block(LIMIT);
            puts[round] = perSecond(pages, System.nanoTime() - start);

            start = System.nanoTime();
            Flux.fromIterable(pagePaths).flatMap(store::read, concurrency).then().block(LIMIT);
            gets[round] = perSecond(pages, System.nanoTime() - start);

            List<String> written = new ArrayList<>(pagePaths);
            written.add(path);
            store.deleteAll(written).block(LIMIT);
            System.err.printf(Locale.ROOT, "round %d: upload %.1f MB/s, download %.1f MB/s, put %.0f/s, get %.0f/s%n",
                    round + 1, upload[round], download[round], puts[round], gets[round]);
        }

        System.out.printf(Locale.ROOT, "%nAzurite %s, block size %s, max concurrency %d, %d rounds (median, best)%n%n",
                Azurite.VERSION, properties.blockSize(), properties.maxConcurrency(), rounds);
        System.out.println("| measure | median | best |");
        System.out.println("| --- | --- | --- |");
        row("upload, " + documentMiB + " MiB document", "MB/s", upload);
        row("download, " + documentMiB + " MiB document", "MB/s", download);
        row("put, " + pageSize + " B blobs, concurrency " + concurrency, "blobs/s", puts);
        row("get, " + pageSize + " B blobs, concurrency " + concurrency, "blobs/s", gets);
    }

    private static void row(String measure, String unit, double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "| %s | %.1f %s | %.1f %s |%n", measure, sorted[sorted.length / 2], unit,
                sorted[sorted.length - 1], unit);
    }

    private static double mbPerSecond(long bytes, long nanos) {
        return bytes / 1_000_000.0 / (nanos / 1e9);
    }

    private static double perSecond(int count, long nanos) {
        return count / (nanos / 1e9);
    }

    private static long arg(String[] args, int index, long fallback) {
        return args.length > index ? Long.parseLong(args[index]) : fallback;
    }
}
