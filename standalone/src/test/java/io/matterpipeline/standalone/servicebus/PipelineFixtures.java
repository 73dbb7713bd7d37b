package io.matterpipeline.standalone.servicebus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import tools.jackson.databind.JsonNode;

/** What the pipeline tests over a real broker (Service Bus emulator, Kafka) share: documents, faults, result reading. */
public final class PipelineFixtures {

    private static final Duration WAIT = Duration.ofSeconds(90);

    /** The repository's sample Matter. */
    public static final Path SAMPLES = Path.of("..", "samples");

    private PipelineFixtures() {
    }

    /** The three sample documents by file name. */
    public static java.util.Map<String, byte[]> sampleFiles() throws IOException {
        java.util.Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        for (String name : List.of("master-services-agreement.pdf", "scheduling-order.ocr.json",
                "settlement-letter.txt")) {
            files.put(name, Files.readAllBytes(SAMPLES.resolve(name)));
        }
        return files;
    }

    /** Makes the blob at {@code blobPath} fail every read with an I/O error (its metadata sidecar is a folder). */
    public static void makeUnreadable(Path blobRoot, String blobPath) throws IOException {
        Path root = blobRoot.toRealPath();
        Path content = root.resolve("blobs").resolve(blobPath);
        Files.createDirectories(content.getParent());
        Files.writeString(content, "{}");
        // An odd modification time in microseconds says the blob has metadata: the store looks for its sidecar.
        Files.setLastModifiedTime(content, java.nio.file.attribute.FileTime.from(
                System.currentTimeMillis() * 1000 + 1, java.util.concurrent.TimeUnit.MICROSECONDS));
        Path sidecar = root.resolve("meta").resolve(blobPath);
        Files.createDirectories(sidecar);
        Files.writeString(sidecar.resolve("not-a-sidecar"), "x");
    }

    /** A plain-text document of {@code pages} pages (form feeds end pages). */
    public static byte[] text(int pages, String label) {
        StringBuilder text = new StringBuilder();
        for (int page = 1; page <= pages; page++) {
            text.append(label.toUpperCase()).append(' ').append(page).append(" to Case No. 2023-CV-04417\n")
                    .append("Invoice dated 2024-0").append(page % 9 + 1).append("-15 for $").append(page * 1000)
                    .append(".00. The Client shall pay within 30 days.\n\f");
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static int pageCount(JsonNode result, String fileName) {
        return document(result, fileName).path("pageCount").asInt();
    }

    public static JsonNode document(JsonNode result, String fileName) {
        for (JsonNode document : result.path("documents")) {
            if (document.path("fileName").asString().equals(fileName)) {
                return document;
            }
        }
        throw new AssertionError("no document " + fileName + " in " + result);
    }

    /** The page numbers of a document result's pages that were read, in result order. */
    public static List<Integer> extractedPageNumbers(JsonNode document) {
        List<Integer> numbers = new ArrayList<>();
        for (JsonNode page : document.path("pages")) {
            if (page.path("status").asString().equals("EXTRACTED")) {
                numbers.add(page.path("pageNumber").asInt());
            }
        }
        return numbers;
    }

    public static List<Integer> range(int count) {
        List<Integer> numbers = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            numbers.add(i);
        }
        return numbers;
    }

    public static int pdfPageCount(Path pdf) throws IOException {
        try (PDDocument document = Loader.loadPDF(pdf.toFile())) {
            return document.getNumberOfPages();
        }
    }

    public static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            ServiceBusPipeline.sleep(Duration.ofMillis(50));
        }
    }
}
