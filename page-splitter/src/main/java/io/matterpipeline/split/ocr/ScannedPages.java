package io.matterpipeline.split.ocr;

import io.matterpipeline.ocr.OcrRefusedException;
import io.matterpipeline.ocr.OcrService;
import io.matterpipeline.split.page.SplitDocument;
import io.matterpipeline.split.page.SplitPage;
import io.matterpipeline.split.page.WordConfidence;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Reads the pages of a PDF that have no text layer through the {@link OcrService} — one request for all of them, only
 * those pages — and hands the document out with those pages read: text, words and word confidences from the OCR
 * result, checked and split as uploaded analyzeResult JSON is. Pages with a text layer are untouched.
 *
 * <p>Errors: a {@link io.matterpipeline.error.TransientException} of the service passes through (the bus retries the
 * document; nothing has been written or published yet). An {@link OcrRefusedException} does not fail the document:
 * its scanned pages come out unread with the refusal's reason and explanation, its other pages go on.
 */
public final class ScannedPages {

    private static final Logger log = LoggerFactory.getLogger(ScannedPages.class);

    private final OcrService ocr;
    private final AnalyzeResultSplitter analyzeResult;
    private final double lowConfidenceThreshold;

    public ScannedPages(OcrService ocr, AnalyzeResultSplitter analyzeResult, double lowConfidenceThreshold) {
        this.ocr = ocr;
        this.analyzeResult = analyzeResult;
        this.lowConfidenceThreshold = lowConfidenceThreshold;
    }

    /** {@code document} (opened from {@code file}) with its pages without a text layer read by OCR. */
    public Mono<SplitDocument> read(SplitDocument document, Path file) {
        return Mono.fromCallable(document::pagesWithoutTextLayer)
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(scanned -> scanned.isEmpty() ? Mono.just(document)
                        : ocr.read(file, scanned)
                                .publishOn(Schedulers.boundedElastic())
                                .map(json -> read(document, scanned, json))
                                .onErrorResume(OcrRefusedException.class,
                                        refused -> Mono.just(refused(document, scanned, refused))));
    }

    private SplitDocument read(SplitDocument document, SortedSet<Integer> scanned, byte[] json) {
        Map<Integer, SplitPage> pages;
        try {
            pages = analyzeResult.pagesByNumber(json);
        } catch (IOException e) {
            throw new IllegalStateException("Reading an in-memory OCR result failed", e);
        }
        List<Double> confidences = new ArrayList<>();
        scanned.forEach(number -> {
            SplitPage page = pages.get(number);
            if (page != null) {
                page.words().forEach(word -> confidences.add(word.confidence()));
            }
        });
        log.info("OCR read {} pages without a text layer ({} words)", scanned.size(), confidences.size());
        return new OcrDocument(document, pages, WordConfidence.of(confidences, lowConfidenceThreshold));
    }

    private static SplitDocument refused(SplitDocument document, SortedSet<Integer> scanned,
            OcrRefusedException refused) {
        log.warn("OCR refused {} pages without a text layer: {} - {}", scanned.size(), refused.reason(),
                refused.getMessage());
        return new OcrDocument(document, Map.of(), document.confidence(), refused);
    }

    /** The document with OCR'd pages in place of its pages without a text layer. */
    private static final class OcrDocument implements SplitDocument {

        private final SplitDocument pdf;
        private final Map<Integer, SplitPage> read;
        private final WordConfidence confidence;
        private final OcrRefusedException refused;

        OcrDocument(SplitDocument pdf, Map<Integer, SplitPage> read, WordConfidence confidence) {
            this(pdf, read, confidence, null);
        }

        OcrDocument(SplitDocument pdf, Map<Integer, SplitPage> read, WordConfidence confidence,
                OcrRefusedException refused) {
            this.pdf = pdf;
            this.read = read;
            this.confidence = confidence;
            this.refused = refused;
        }

        @Override
        public String kind() {
            return pdf.kind();
        }

        @Override
        public int pageCount() {
            return pdf.pageCount();
        }

        @Override
        public WordConfidence confidence() {
            return confidence;
        }

        @Override
        public SplitPage nextPage() throws IOException {
            SplitPage page = pdf.nextPage();
            if (page == null || !page.needsOcr()) {
                return page;
            }
            if (refused != null) {
                return SplitPage.unread(page.pageNumber(), refused.reason(), "Page " + page.pageNumber() + " has no"
                        + " text layer and OCR refused it: " + refused.getMessage());
            }
            SplitPage ocr = read.get(page.pageNumber());
            if (ocr == null) {
                return SplitPage.unread(page.pageNumber(), OcrRefusedException.REJECTED, "Page "
                        + page.pageNumber() + " has no text layer and the OCR result has no page "
                        + page.pageNumber());
            }
            return ocr;
        }

        @Override
        public void close() throws IOException {
            pdf.close();
        }
    }
}
