package io.matterpipeline.assemble;

import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.progress.DocumentProgress;
import io.matterpipeline.progress.DocumentStatus;
import io.matterpipeline.progress.FailureNote;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;

/**
 * Writes a settled document's result from its progress and one blob per page: an extracted page's
 * {@link PageExtraction} (which carries the page's text length and OCR confidence), or, for a failed page, its
 * {@link PageContent} for those statistics. Pages are read in page order with bounded concurrency and folded in as they
 * arrive: each page's entry goes to a spool file, its items into a {@link DocumentMerge}; then the result is written
 * as a stream (header, merged items, the spooled pages) into the store. Memory does not grow with the document.
 *
 * <p>A page recorded as read whose extraction blob is missing or unreadable ends FAILED with reason
 * {@code extraction-missing} / {@code extraction-unreadable} rather than blocking the Matter.
 */
final class DocumentAssembler {

    private static final Logger log = LoggerFactory.getLogger(DocumentAssembler.class);

    private final BlobStore store;
    private final MergeKey keys;
    private final AssemblySettings settings;

    DocumentAssembler(BlobStore store, MergeKey keys, AssemblySettings settings) {
        this.store = store;
        this.keys = keys;
        this.settings = settings;
    }

    /** Writes the document result of a settled document to {@link BlobPaths#documentResult}. */
    Mono<BlobInfo> write(DocumentProgress progress) {
        int pageCount = progress.pageCount() == null ? 0 : progress.pageCount();
        String path = BlobPaths.documentResult(progress.matterId(), progress.documentId());
        return settings.permits().run(Mono.usingWhen(
                        Mono.fromCallable(() -> new Accumulator(progress, keys, settings, store)),
                        accumulator -> Flux.range(1, pageCount)
                                .flatMapSequential(pageNumber -> readPage(progress, pageNumber),
                                        settings.readConcurrency(), 1)
                                .publishOn(Schedulers.boundedElastic(), settings.readConcurrency())
                                .doOnNext(accumulator::add)
                                .then(Mono.defer(() -> store.put(path, JsonStreams.body(accumulator::write),
                                        PutCondition.none(), Map.of()))),
                        accumulator -> Mono.fromRunnable(accumulator::close)
                                .subscribeOn(Schedulers.boundedElastic())))
                .checkpoint("assemble document " + progress.matterId() + "/" + progress.documentId());
    }

    private Mono<PageOutcome> readPage(DocumentProgress progress, int pageNumber) {
        String matterId = progress.matterId();
        String documentId = progress.documentId();
        if (!progress.extractedPages().contains(pageNumber)) {
            FailureNote failure = progress.failedPages().get(pageNumber);
            if (failure == null) {
                failure = progress.documentFailure() != null
                        ? progress.documentFailure()
                        : new FailureNote("page-not-settled", "The page was never reported read or failed");
            }
            return failedPage(progress, pageNumber, failure);
        }
        String path = BlobPaths.extraction(matterId, documentId, pageNumber);
        return store.read(path)
                .flatMap(blob -> {
                    PageExtraction extraction;
                    try {
                        extraction = MessageCodec.mapper().readValue(blob.bytes(), PageExtraction.class);
                    } catch (JacksonException e) {
                        return failedPage(progress, pageNumber, new FailureNote("extraction-unreadable",
                                "The extraction blob " + path + " is not readable: " + e.getOriginalMessage()));
                    }
                    if (extraction.textLength() == null) {
                        // Written by a worker that did not carry the page statistics yet: they are in the page blob.
                        return pageStatistics(progress, pageNumber)
                                .map(statistics -> new PageOutcome(pageNumber, statistics, extraction, null));
                    }
                    return Mono.just(new PageOutcome(pageNumber, new PageStatistics(extraction.textLength(),
                            extraction.averageWordConfidence(), extraction.lowConfidenceWordShare()), extraction,
                            null));
                })
                .switchIfEmpty(Mono.defer(() -> failedPage(progress, pageNumber, new FailureNote("extraction-missing",
                        "The page was reported read but its extraction blob " + path + " does not exist"))));
    }

    private Mono<PageOutcome> failedPage(DocumentProgress progress, int pageNumber, FailureNote failure) {
        return pageStatistics(progress, pageNumber)
                .map(statistics -> new PageOutcome(pageNumber, statistics, null, failure));
    }

    /** The text statistics of a page from its page blob; unknown (nulls) when it is missing or unreadable. */
    private Mono<PageStatistics> pageStatistics(DocumentProgress progress, int pageNumber) {
        String path = BlobPaths.page(progress.matterId(), progress.documentId(), pageNumber);
        return store.read(path)
                .map(blob -> {
                    try {
                        PageContent content = MessageCodec.mapper().readValue(blob.bytes(), PageContent.class);
                        return new PageStatistics(content.text() == null ? null : content.text().length(),
                                content.averageWordConfidence(), content.lowConfidenceWordShare());
                    } catch (JacksonException e) {
                        log.warn("Blob {} is not readable, reporting the page without its text statistics: {}", path,
                                e.getOriginalMessage());
                        return PageStatistics.UNKNOWN;
                    }
                })
                .defaultIfEmpty(PageStatistics.UNKNOWN);
    }

    /** A page's text length and OCR confidence. */
    private record PageStatistics(Integer textLength, Double averageWordConfidence, Double lowConfidenceWordShare) {
        static final PageStatistics UNKNOWN = new PageStatistics(null, null, null);
    }

    /** One page as read from the store: its statistics and the extraction or the failure. */
    private record PageOutcome(int pageNumber, PageStatistics statistics, PageExtraction extraction,
            FailureNote failure) {
    }

    /**
     * Folds pages, in page order, into the document result: page entries into a spool file, items into the merge,
     * counts in fields. Blocking file I/O; runs on a thread that may block.
     */
    private static final class Accumulator implements AutoCloseable {
        private final DocumentProgress progress;
        private final DocumentMerge merge;
        private final JsonSpool pages;
        private final ItemPages itemPages;
        private final TreeSet<String> models = new TreeSet<>();
        private int extracted;
        private int failed;
        private int noTextPages;
        private long promptTokens;
        private long outputTokens;
        private long modelMillis;

        Accumulator(DocumentProgress progress, MergeKey keys, AssemblySettings settings, BlobStore store) {
            this.progress = progress;
            this.itemPages = new ItemPages(store, BlobPaths.documentItems(progress.matterId(), progress.documentId()),
                    settings.readConcurrency());
            this.pages = new JsonSpool(settings.spillDirectory(), "pages-");
            this.merge = new DocumentMerge(keys, settings.spillDirectory(), settings.memoryBytes());
        }

        void add(PageOutcome outcome) {
            JsonGenerator page = pages.elements();
            page.writeStartObject();
            page.writeNumberProperty("pageNumber", outcome.pageNumber());
            boolean noText = outcome.extraction() == null && outcome.failure() != null && outcome.failure().needsOcr();
            page.writeStringProperty("status",
                    outcome.extraction() != null ? "EXTRACTED" : noText ? FailureNote.NO_TEXT : "FAILED");
            PageStatistics statistics = outcome.statistics();
            writeNumber(page, "textLength", statistics.textLength());
            writeNumber(page, "averageWordConfidence", statistics.averageWordConfidence());
            writeNumber(page, "lowConfidenceWordShare", statistics.lowConfidenceWordShare());
            PageExtraction extraction = outcome.extraction();
            if (extraction != null) {
                extracted++;
                page.writeStringProperty("model", extraction.model());
                if (extraction.model() != null && !extraction.model().isBlank()) {
                    models.add(extraction.model());
                }
                PageExtraction.Usage usage = extraction.usage();
                page.writeName("usage");
                if (usage != null) {
                    promptTokens += usage.promptTokens();
                    outputTokens += usage.outputTokens();
                    modelMillis += usage.modelMillis();
                    page.writeStartObject();
                    page.writeNumberProperty("promptTokens", usage.promptTokens());
                    page.writeNumberProperty("outputTokens", usage.outputTokens());
                    page.writeNumberProperty("modelMillis", usage.modelMillis());
                    page.writeNumberProperty("attempts", usage.attempts());
                    page.writeEndObject();
                } else {
                    page.writeNull();
                }
                page.writeName("warnings");
                page.writeStartArray();
                extraction.warnings().forEach(page::writeString);
                page.writeEndArray();
                page.writeName("extraction");
                if (extraction.extraction() == null) {
                    page.writeNull();
                } else {
                    page.writeTree(extraction.extraction());
                }
                page.writeNullProperty("failure");
                merge.addPage(outcome.pageNumber(), extraction.extraction());
            } else {
                failed++;
                noTextPages += noText ? 1 : 0;
                page.writeNullProperty("model");
                page.writeNullProperty("usage");
                page.writeName("warnings");
                page.writeStartArray();
                page.writeEndArray();
                page.writeNullProperty("extraction");
                page.writeName("failure");
                writeFailure(page, outcome.failure());
            }
            page.writeEndObject();
        }

        /** Writes the document result; called once, after every page was added. */
        void write(JsonGenerator out) {
            int pageCount = progress.pageCount() == null ? 0 : progress.pageCount();
            DocumentStatus status;
            FailureNote failure = null;
            if (progress.documentFailure() != null) {
                status = DocumentStatus.FAILED;
                failure = progress.documentFailure();
            } else if (failed == 0) {
                status = DocumentStatus.COMPLETED;
            } else if (extracted == 0 && noTextPages == failed) {
                // Scanned pages without OCR: nothing failed that OCR would not fix; the document says so.
                status = DocumentStatus.PARTIAL;
                failure = new FailureNote(FailureNote.NEEDS_OCR, noTextPages + " of the " + pageCount
                        + " pages have no text layer and were not OCR'd; configure OCR (matter-pipeline.splitter.ocr"
                        + ".endpoint, Azure AI Document Intelligence) or upload the document's analyzeResult JSON"
                        + " instead");
            } else if (extracted == 0) {
                status = DocumentStatus.FAILED;
                failure = new FailureNote("all-pages-failed",
                        "None of the " + pageCount + " pages could be read; see each page's failure");
            } else {
                status = DocumentStatus.PARTIAL;
            }
            out.writeStartObject();
            out.writeStringProperty("matterId", progress.matterId());
            out.writeStringProperty("documentId", progress.documentId());
            out.writeStringProperty("kind", progress.kind());
            out.writeStringProperty("status", status.name());
            writeNumber(out, "pageCount", progress.pageCount());
            writeNumber(out, "averageWordConfidence", progress.averageWordConfidence());
            out.writeName("failure");
            writeFailure(out, failure);
            out.writeName("models");
            out.writeStartArray();
            models.forEach(out::writeString);
            out.writeEndArray();
            out.writeName("summary");
            out.writeStartObject();
            out.writeNumberProperty("pages", pageCount);
            out.writeNumberProperty("pagesExtracted", extracted);
            out.writeNumberProperty("pagesFailed", failed);
            out.writeNumberProperty("pagesNoText", noTextPages);
            out.writeNumberProperty("promptTokens", promptTokens);
            out.writeNumberProperty("outputTokens", outputTokens);
            out.writeNumberProperty("modelMillis", modelMillis);
            out.writeEndObject();
            out.writeName("items");
            merge.write(out, itemPages);
            out.writeName("pages");
            pages.copyTo(out);
            out.writeEndObject();
        }

        @Override
        public void close() {
            pages.close();
            merge.close();
        }
    }

    /** A failure note as the results show it: {@code {reason, description}}, or null. */
    static void writeFailure(JsonGenerator out, FailureNote note) {
        if (note == null) {
            out.writeNull();
            return;
        }
        out.writeStartObject();
        out.writeStringProperty("reason", note.reason());
        out.writeStringProperty("description", note.description());
        out.writeEndObject();
    }

    static void writeNumber(JsonGenerator out, String name, Number value) {
        out.writeName(name);
        if (value == null) {
            out.writeNull();
        } else if (value instanceof Integer integer) {
            out.writeNumber(integer);
        } else {
            out.writeNumber(value.doubleValue());
        }
    }
}
