package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.DocumentStatus;
import io.matterpipeline.progress.FailureNote;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds a settled document's result from its progress and its page blobs: per page the text length and confidence
 * (from the {@link PageContent}) and the extraction (from the {@link PageExtraction}), and the document-level items
 * ({@link DocumentMerge}). Pages are read in page order with bounded concurrency and folded into the result as they
 * arrive, so only the result under construction and a few page blobs are in memory at once (the result itself,
 * which holds every page's extraction, is in memory until written).
 *
 * <p>A page recorded as read whose extraction blob is missing or unreadable ends FAILED with reason
 * {@code extraction-missing} / {@code extraction-unreadable} rather than blocking the Matter.
 */
final class DocumentAssembler {

    private static final Logger log = LoggerFactory.getLogger(DocumentAssembler.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final BlobStore store;
    private final MergeKey keys;
    private final int readConcurrency;

    DocumentAssembler(BlobStore store, MergeKey keys, int readConcurrency) {
        this.store = store;
        this.keys = keys;
        this.readConcurrency = readConcurrency;
    }

    /** The document result of a settled document. */
    Mono<ObjectNode> assemble(DocumentProgress progress) {
        int pageCount = progress.pageCount() == null ? 0 : progress.pageCount();
        return Flux.range(1, pageCount)
                .flatMapSequential(pageNumber -> readPage(progress, pageNumber), readConcurrency, 1)
                .collect(() -> new Accumulator(progress, keys), Accumulator::add)
                .map(Accumulator::result)
                .checkpoint("assemble document " + progress.matterId() + "/" + progress.documentId());
    }

    private Mono<PageOutcome> readPage(DocumentProgress progress, int pageNumber) {
        String matterId = progress.matterId();
        String documentId = progress.documentId();
        Mono<Optional<PageContent>> content = readOptional(BlobPaths.page(matterId, documentId, pageNumber),
                PageContent.class);
        Mono<PageOutcome.Extraction> extraction;
        if (progress.extractedPages().contains(pageNumber)) {
            String path = BlobPaths.extraction(matterId, documentId, pageNumber);
            extraction = store.read(path)
                    .map(blob -> {
                        try {
                            return new PageOutcome.Extraction(
                                    MessageCodec.mapper().readValue(blob.bytes(), PageExtraction.class), null);
                        } catch (JacksonException e) {
                            return new PageOutcome.Extraction(null, new FailureNote("extraction-unreadable",
                                    "The extraction blob " + path + " is not readable: " + e.getOriginalMessage()));
                        }
                    })
                    .defaultIfEmpty(new PageOutcome.Extraction(null, new FailureNote("extraction-missing",
                            "The page was reported read but its extraction blob " + path + " does not exist")));
        } else {
            FailureNote failure = progress.failedPages().get(pageNumber);
            if (failure == null) {
                failure = progress.documentFailure() != null
                        ? progress.documentFailure()
                        : new FailureNote("page-not-settled", "The page was never reported read or failed");
            }
            extraction = Mono.just(new PageOutcome.Extraction(null, failure));
        }
        return Mono.zip(content, extraction,
                (page, read) -> new PageOutcome(pageNumber, page.orElse(null), read.extraction(), read.failure()));
    }

    private <T> Mono<Optional<T>> readOptional(String path, Class<T> type) {
        return store.read(path)
                .map(blob -> {
                    try {
                        return Optional.of(MessageCodec.mapper().readValue(blob.bytes(), type));
                    } catch (JacksonException e) {
                        log.warn("Blob {} is not readable, reporting the page without its text statistics: {}", path,
                                e.getOriginalMessage());
                        return Optional.<T>empty();
                    }
                })
                .defaultIfEmpty(Optional.empty());
    }

    /** One page as read from the store: the page content (null if missing) and the extraction or the failure. */
    private record PageOutcome(int pageNumber, PageContent content, PageExtraction extraction, FailureNote failure) {

        record Extraction(PageExtraction extraction, FailureNote failure) {
        }
    }

    /** Folds pages, in page order, into the document result. */
    private static final class Accumulator {
        private final DocumentProgress progress;
        private final DocumentMerge merge;
        private final ArrayNode pages = NODES.arrayNode();
        private final TreeSet<String> models = new TreeSet<>();
        private int extracted;
        private int failed;
        private int noTextPages;
        private long promptTokens;
        private long outputTokens;
        private long modelMillis;

        Accumulator(DocumentProgress progress, MergeKey keys) {
            this.progress = progress;
            this.merge = new DocumentMerge(keys);
        }

        void add(PageOutcome outcome) {
            ObjectNode page = pages.addObject();
            page.put("pageNumber", outcome.pageNumber());
            boolean noText = outcome.extraction() == null && outcome.failure() != null && outcome.failure().needsOcr();
            page.put("status", outcome.extraction() != null ? "EXTRACTED" : noText ? FailureNote.NO_TEXT : "FAILED");
            PageContent content = outcome.content();
            page.put("textLength", content == null || content.text() == null ? null : content.text().length());
            page.put("averageWordConfidence", content == null ? null : content.averageWordConfidence());
            page.put("lowConfidenceWordShare", content == null ? null : content.lowConfidenceWordShare());
            PageExtraction extraction = outcome.extraction();
            if (extraction != null) {
                extracted++;
                page.put("model", extraction.model());
                if (extraction.model() != null && !extraction.model().isBlank()) {
                    models.add(extraction.model());
                }
                PageExtraction.Usage usage = extraction.usage();
                if (usage != null) {
                    promptTokens += usage.promptTokens();
                    outputTokens += usage.outputTokens();
                    modelMillis += usage.modelMillis();
                    page.putObject("usage")
                            .put("promptTokens", usage.promptTokens())
                            .put("outputTokens", usage.outputTokens())
                            .put("modelMillis", usage.modelMillis())
                            .put("attempts", usage.attempts());
                } else {
                    page.putNull("usage");
                }
                ArrayNode warnings = page.putArray("warnings");
                extraction.warnings().forEach(warnings::add);
                page.set("extraction", extraction.extraction() == null ? NODES.nullNode() : extraction.extraction());
                page.putNull("failure");
                merge.addPage(outcome.pageNumber(), extraction.extraction());
            } else {
                failed++;
                noTextPages += noText ? 1 : 0;
                page.putNull("model");
                page.putNull("usage");
                page.putArray("warnings");
                page.putNull("extraction");
                page.set("failure", failureJson(outcome.failure()));
            }
        }

        ObjectNode result() {
            int pageCount = progress.pageCount() == null ? 0 : progress.pageCount();
            DocumentStatus status;
            ObjectNode failure = null;
            if (progress.documentFailure() != null) {
                status = DocumentStatus.FAILED;
                failure = failureJson(progress.documentFailure());
            } else if (failed == 0) {
                status = DocumentStatus.COMPLETED;
            } else if (extracted == 0 && noTextPages == failed) {
                // Scanned pages without OCR: nothing failed that OCR would not fix; the document says so.
                status = DocumentStatus.PARTIAL;
                failure = failureJson(new FailureNote(FailureNote.NEEDS_OCR, noTextPages + " of the " + pageCount
                        + " pages have no text layer and were not OCR'd; OCR the document (Azure AI Document "
                        + "Intelligence prebuilt-read) and upload its analyzeResult JSON instead"));
            } else if (extracted == 0) {
                status = DocumentStatus.FAILED;
                failure = failureJson(new FailureNote("all-pages-failed",
                        "None of the " + pageCount + " pages could be read; see each page's failure"));
            } else {
                status = DocumentStatus.PARTIAL;
            }
            ObjectNode result = NODES.objectNode();
            result.put("matterId", progress.matterId());
            result.put("documentId", progress.documentId());
            result.put("kind", progress.kind());
            result.put("status", status.name());
            result.put("pageCount", progress.pageCount());
            result.put("averageWordConfidence", progress.averageWordConfidence());
            result.set("failure", failure == null ? NODES.nullNode() : failure);
            ArrayNode modelNames = result.putArray("models");
            models.forEach(modelNames::add);
            result.putObject("summary")
                    .put("pages", pageCount)
                    .put("pagesExtracted", extracted)
                    .put("pagesFailed", failed)
                    .put("pagesNoText", noTextPages)
                    .put("promptTokens", promptTokens)
                    .put("outputTokens", outputTokens)
                    .put("modelMillis", modelMillis);
            result.set("items", merge.result());
            result.set("pages", pages);
            return result;
        }
    }

    static ObjectNode failureJson(FailureNote note) {
        return NODES.objectNode().put("reason", note.reason()).put("description", note.description());
    }
}
