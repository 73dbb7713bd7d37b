package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.contract.DocumentFailed;
import io.matterpipeline.contract.DocumentSplit;
import io.matterpipeline.contract.MatterSealed;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.contract.PageFailed;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.contract.SealedDocument;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The result layout does not drift: a Matter exercising every merge rule (spellings, numbers, quote-only items, scalar
 * arrays, nested objects, a field that is an array on some pages and a scalar on others, votes, failed, missing and
 * unreadable pages, a broken document, OCR statistics, several models) gives byte for byte the document and Matter
 * results recorded in {@code src/test/resources/layout/} (recorded from the in-memory assembler the streamed one
 * replaced). Run with {@code -Dlayout.record=true} to record them again after a deliberate change.
 */
class ResultLayoutTests {

    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String MATTER = "m-layout";
    private static final Path RECORDED = Path.of("src", "test", "resources", "layout");

    private final MemoryBlobStore store = new MemoryBlobStore();

    @Test
    void documentAndMatterResultsKeepTheirLayout() throws IOException {
        AggregatorProperties properties = AggregatorProperties.defaults();
        // One occurrence field besides the page, so the order of fields inside a quote entry is fixed.
        properties = new AggregatorProperties(properties.concurrency(), properties.consumer(), properties.progress(),
                new AggregatorProperties.Merge(4, List.of("page", "quoteFound"), null, null, 2));
        // Messages are handed over one at a time: a fact waiting for others of its document would wait in vain.
        properties = MatterAssemblerTests.withoutBatchWindow(properties);
        MatterAssembler assembler = new MatterAssembler(store, new RecordingBus(), Queues.MATTERS_COMPLETED,
                properties, Clock.fixed(NOW, ZoneOffset.UTC));
        List<PipelineMessage> messages = new ArrayList<>();
        List<SealedDocument> sealed = new ArrayList<>();
        document(messages, sealed, "d-alpha", "alpha.pdf", "pdf", 7, null, List.of(4), Map.of());
        document(messages, sealed, "d-beta", "beta.json", "analyze-result", 5, 0.875, List.of(),
                Map.of(2, "missing", 3, "unreadable"));
        sealed.add(new SealedDocument("d-broken", "broken.pdf"));
        messages.add(new DocumentFailed(MATTER, "d-broken", "corrupt-pdf", "Not a PDF"));
        document(messages, sealed, "d-gamma", "gamma.txt", "text", 3, null, List.of(1, 2, 3), Map.of());
        document(messages, sealed, "d-delta", "delta.txt", "text", 12, null, List.of(), Map.of());
        messages.add(new MatterSealed(MATTER, sealed));

        MatterScenario.handleAll(assembler, messages, 1);

        compare("matter.json", store.bytes(BlobPaths.matterResult(MATTER)));
        for (SealedDocument document : sealed) {
            compare(document.documentId() + ".json",
                    store.bytes(BlobPaths.documentResult(MATTER, document.documentId())));
        }
    }

    private static void compare(String name, byte[] actual) throws IOException {
        assertThat(actual).as(name).isNotNull();
        Path file = RECORDED.resolve(name);
        if (Boolean.getBoolean("layout.record")) {
            Files.createDirectories(RECORDED);
            Files.write(file, actual);
            return;
        }
        byte[] expected;
        try (InputStream in = ResultLayoutTests.class.getResourceAsStream("/layout/" + name)) {
            assertThat(in).as("recorded " + name).isNotNull();
            expected = in.readAllBytes();
        }
        assertThat(new String(actual, StandardCharsets.UTF_8)).as(name)
                .isEqualTo(new String(expected, StandardCharsets.UTF_8));
    }

    /** Writes a document's blobs and queues its messages. */
    private void document(List<PipelineMessage> messages, List<SealedDocument> sealed, String documentId,
            String fileName, String kind, int pageCount, Double confidence, List<Integer> failedPages,
            Map<Integer, String> brokenExtractions) {
        sealed.add(new SealedDocument(documentId, fileName));
        messages.add(new DocumentSplit(MATTER, documentId, kind, pageCount, confidence));
        for (int page = 1; page <= pageCount; page++) {
            String text = "Page " + page + " of " + documentId + " \u00e9t\u00e9 \u2014 ".repeat(page);
            Double pageConfidence = confidence == null ? null : confidence + page / 100.0;
            PageContent content = new PageContent(MATTER, documentId, page, pageCount, kind, text, List.of(),
                    pageConfidence, pageConfidence, confidence == null ? null : 0.125, "", "");
            put(BlobPaths.page(MATTER, documentId, page), MessageCodec.mapper().writeValueAsBytes(content));
            if (failedPages.contains(page)) {
                messages.add(new PageFailed(MATTER, documentId, page, "model-timeout", "No answer on page " + page));
                continue;
            }
            String path = BlobPaths.extraction(MATTER, documentId, page);
            String broken = brokenExtractions.get(page);
            if ("unreadable".equals(broken)) {
                put(path, "{not json".getBytes(StandardCharsets.UTF_8));
            } else if (broken == null) {
                PageExtraction extraction = new PageExtraction(content, page % 5 == 0 ? "qwen2.5" : "llama3.1",
                        extraction(documentId, page),
                        new PageExtraction.Usage(100 + page, 20 + page, 7L * page, 1 + page % 2),
                        page % 3 == 0 ? List.of("Quote not found: \"x\"") : List.of());
                if (page == 6) {
                    // As an older worker wrote it, without the page statistics: assembly reads the page blob.
                    extraction = new PageExtraction(MATTER, documentId, page, extraction.model(),
                            extraction.extraction(), extraction.usage(), extraction.warnings());
                }
                put(path, MessageCodec.mapper().writeValueAsBytes(extraction));
            }
            messages.add(new PageExtracted(MATTER, documentId, page, path));
        }
    }

    private void put(String path, byte[] bytes) {
        store.putBytes(path, bytes, PutCondition.none()).block(Duration.ofSeconds(5));
    }

    /** Every rule of the merge, varying with the page and the document. */
    private static ObjectNode extraction(String documentId, int page) {
        ObjectNode extraction = NODES.objectNode();
        extraction.put("documentType", page % 3 == 0 ? "Exhibit" : page % 2 == 0 ? "exhibit " : "court filing");
        ArrayNode parties = extraction.putArray("parties");
        parties.addObject().put("name", page % 2 == 0 ? "ACME  Corp." : "Acme Corp.").put("role", "plaintiff")
                .put("quote", "Acme Corp., plaintiff (p" + page + ")").put("quoteFound", page % 4 != 0)
                .put("page", page);
        parties.addObject().put("name", "Beta " + documentId.charAt(2) + " LLC").put("role", "defendant")
                .put("quote", "Beta LLC").put("quoteFound", true);
        if (page % 2 == 1) {
            parties.addObject().put("name", "Acme Corp").put("role", "plaintiff").put("quote", "same page twice");
            parties.addObject().put("name", "acme corp").put("role", "plaintiff").put("quote", "same page twice");
        }
        extraction.putArray("dates").addObject().put("date", "2024-03-" + (10 + page % 4))
                .put("description", "hearing").put("quote", "March " + (10 + page % 4));
        ArrayNode amounts = extraction.putArray("amounts");
        amounts.addObject().put("amount", page % 2 == 0 ? "1,000.00" : "1000").put("currency", "USD")
                .put("quote", "$1,000");
        amounts.addObject().put("amount", 2500.5 + page).put("currency", "EUR").put("quote", "")
                .put("confidence", 0.5 + page / 64.0);
        extraction.putArray("caseNumbers").add("2023-CV-0" + (page % 3)).add("2023-cv-0" + (page % 3)).addNull();
        ArrayNode obligations = extraction.putArray("obligations");
        obligations.addObject().put("quote", "The Client shall pay within " + (page % 2 + 30) + " days.");
        obligations.addObject().put("quote", "  ");
        if (page % 4 == 0) {
            extraction.put("mixed", "scalar on page " + page);
        } else {
            extraction.putArray("mixed").add("item " + page % 2);
        }
        extraction.putObject("meta").put("lang", page % 5 == 0 ? "de" : "en").put("pages", page);
        extraction.put("summary", page == 2 ? "" : "Summary of page " + (page % 3));
        extraction.putNull("nothing");
        extraction.put("flag", page % 2 == 0);
        if (page == 1) {
            extraction.put("firstOnly", 42);
        }
        return extraction;
    }
}
