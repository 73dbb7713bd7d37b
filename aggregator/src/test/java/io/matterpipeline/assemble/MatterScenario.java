package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobContent;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.contract.DocumentFailed;
import io.matterpipeline.contract.DocumentSplit;
import io.matterpipeline.contract.MatterSealed;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.contract.PageFailed;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.SealedDocument;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Matter as the upstream services would leave it: page and extraction blobs in the store, and the result messages
 * they publish. Extractions are small legal-schema objects derived from the document and page number.
 */
final class MatterScenario {

    static final MessageHandler.DeliveryAttempt FIRST = new MessageHandler.DeliveryAttempt(0, 10);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    final String matterId;
    private final List<Document> documents = new ArrayList<>();

    MatterScenario(String matterId) {
        this.matterId = matterId;
    }

    /** A document of {@code pageCount} pages of which {@code failedPages} fail. */
    record Document(String documentId, String fileName, String kind, int pageCount, Double confidence,
            Set<Integer> failedPages, String splitFailure, BiFunction<String, Integer, ObjectNode> extraction) {
    }

    MatterScenario document(String documentId, String fileName, int pageCount, Integer... failedPages) {
        documents.add(new Document(documentId, fileName, "pdf", pageCount, null, Set.of(failedPages), null,
                MatterScenario::legalExtraction));
        return this;
    }

    MatterScenario ocrDocument(String documentId, String fileName, int pageCount, double confidence) {
        documents.add(new Document(documentId, fileName, "analyze-result", pageCount, confidence, Set.of(), null,
                MatterScenario::legalExtraction));
        return this;
    }

    MatterScenario brokenDocument(String documentId, String fileName, String reason) {
        documents.add(new Document(documentId, fileName, null, 0, null, Set.of(), reason, null));
        return this;
    }

    List<SealedDocument> sealedDocuments() {
        return documents.stream().map(d -> new SealedDocument(d.documentId(), d.fileName())).toList();
    }

    static String pageText(String documentId, int pageNumber) {
        return "Text of page " + pageNumber + " of " + documentId + ".";
    }

    /** Parties on every page (spelled differently), a date per page, an amount on odd pages. */
    static ObjectNode legalExtraction(String documentId, int pageNumber) {
        ObjectNode extraction = NODES.objectNode();
        extraction.put("documentType", pageNumber == 2 ? "exhibit" : "court filing");
        extraction.putArray("parties").addObject()
                .put("name", pageNumber % 2 == 0 ? "ACME  Corp" : "Acme Corp")
                .put("role", "plaintiff")
                .put("quote", "Acme Corp, plaintiff (p" + pageNumber + ")");
        extraction.putArray("dates").addObject()
                .put("date", "2024-03-" + (10 + pageNumber))
                .put("description", "hearing")
                .put("quote", "hearing on March " + (10 + pageNumber));
        var amounts = extraction.putArray("amounts");
        if (pageNumber % 2 == 1) {
            amounts.addObject().put("amount", pageNumber == 1 ? "1,000.00" : "1000").put("currency", "USD")
                    .put("quote", "$1,000");
        }
        extraction.putArray("caseNumbers");
        extraction.putArray("obligations");
        extraction.put("summary", "Summary of page " + pageNumber);
        return extraction;
    }

    /** Writes the page and extraction blobs the splitter and the workers would have written. */
    void writeBlobs(BlobStore store) {
        Flux.fromIterable(documents)
                .filter(d -> d.splitFailure() == null)
                .concatMap(d -> Flux.range(1, d.pageCount()).concatMap(page -> {
                    String text = pageText(d.documentId(), page);
                    PageContent content = new PageContent(matterId, d.documentId(), page, d.pageCount(), d.kind(),
                            text, List.of(), d.confidence(), d.confidence(), d.confidence() == null ? null : 0.1, "",
                            "");
                    var writes = store.putBytes(BlobPaths.page(matterId, d.documentId(), page),
                            MessageCodec.mapper().writeValueAsBytes(content), PutCondition.none()).flux();
                    if (!d.failedPages().contains(page)) {
                        PageExtraction extraction = new PageExtraction(content, "simulated",
                                d.extraction().apply(d.documentId(), page),
                                new PageExtraction.Usage(100, 20, 5, 1), List.of());
                        writes = writes.concatWith(store.putBytes(
                                BlobPaths.extraction(matterId, d.documentId(), page),
                                MessageCodec.mapper().writeValueAsBytes(extraction), PutCondition.none()));
                    }
                    return writes;
                }))
                .then()
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(30));
    }

    /** Every result message, seal last. */
    List<PipelineMessage> messages() {
        List<PipelineMessage> messages = new ArrayList<>(documentMessages());
        messages.add(sealed());
        return messages;
    }

    MatterSealed sealed() {
        return new MatterSealed(matterId, sealedDocuments());
    }

    /** The split (or failure) and page messages of every document. */
    List<PipelineMessage> documentMessages() {
        List<PipelineMessage> messages = new ArrayList<>();
        for (Document d : documents) {
            if (d.splitFailure() != null) {
                messages.add(new DocumentFailed(matterId, d.documentId(), d.splitFailure(), "Cannot split: "
                        + d.splitFailure()));
                continue;
            }
            messages.add(new DocumentSplit(matterId, d.documentId(), d.kind(), d.pageCount(), d.confidence()));
            for (int page = 1; page <= d.pageCount(); page++) {
                messages.add(d.failedPages().contains(page)
                        ? new PageFailed(matterId, d.documentId(), page, "model-unavailable", "No model answered")
                        : new PageExtracted(matterId, d.documentId(), page,
                                BlobPaths.extraction(matterId, d.documentId(), page)));
            }
        }
        return messages;
    }

    /** Handles {@code messages} with up to {@code concurrency} at once; fails the test if any handling fails. */
    static void handleAll(MatterAssembler assembler, Collection<? extends PipelineMessage> messages, int concurrency) {
        Flux.fromIterable(messages)
                .flatMap(message -> assembler.handle(message, FIRST), concurrency)
                .then()
                .as(StepVerifier::create)
                .expectComplete()
                .verify(Duration.ofSeconds(60));
    }

    /** The stored Matter result, or null. */
    static ObjectNode result(BlobStore store, String matterId) {
        BlobContent content = store.read(BlobPaths.matterResult(matterId)).block(Duration.ofSeconds(10));
        return content == null ? null : (ObjectNode) MessageCodec.mapper().readTree(content.bytes());
    }

    /** The result without its timestamp, for comparing runs. */
    static JsonNode withoutTimestamp(ObjectNode result) {
        ObjectNode copy = result.deepCopy();
        copy.remove("completedAt");
        return copy;
    }
}
