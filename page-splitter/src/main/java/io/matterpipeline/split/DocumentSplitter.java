package io.matterpipeline.split;

import io.matterpipeline.ocr.OcrService;
import io.matterpipeline.split.detect.FormatDetector;
import io.matterpipeline.split.ocr.AnalyzeResultSplitter;
import io.matterpipeline.split.ocr.ScannedPages;
import io.matterpipeline.split.page.SplitDocument;
import io.matterpipeline.split.pdf.PdfSplitter;
import io.matterpipeline.split.text.TextSplitter;
import java.io.IOException;
import java.nio.file.Path;
import reactor.core.publisher.Mono;

/** Opens a document with the splitter its content calls for. */
final class DocumentSplitter {

    private final PdfSplitter pdf;
    private final AnalyzeResultSplitter analyzeResult;
    private final TextSplitter text;
    private final ScannedPages scannedPages;

    DocumentSplitter(PdfSplitter pdf, AnalyzeResultSplitter analyzeResult, TextSplitter text,
            ScannedPages scannedPages) {
        this.pdf = pdf;
        this.analyzeResult = analyzeResult;
        this.text = text;
        this.scannedPages = scannedPages;
    }

    /** Without OCR: pages without a text layer stay unread ({@code needs-ocr}). */
    static DocumentSplitter of(SplitterProperties properties) {
        return of(properties, null);
    }

    /** With {@code ocr} (null for none) reading the pages without a text layer. */
    static DocumentSplitter of(SplitterProperties properties, OcrService ocr) {
        AnalyzeResultSplitter analyzeResult = new AnalyzeResultSplitter(properties.maxPages(),
                properties.lowConfidenceThreshold(), properties.maxDocumentSize().toBytes(),
                properties.maxJsonNestingDepth(), properties.maxPageTextChars());
        return new DocumentSplitter(
                new PdfSplitter(properties.effectiveTempDirectory(), properties.maxPages(), properties.maxPageTextChars()),
                analyzeResult,
                new TextSplitter(properties.maxTextPageChars(), properties.maxPages()),
                ocr == null ? null : new ScannedPages(ocr, analyzeResult, properties.lowConfidenceThreshold()));
    }

    /** Detects the format of {@code file} and opens it (blocking). */
    SplitDocument open(Path file) throws IOException {
        return switch (FormatDetector.detect(file)) {
            case PDF -> pdf.open(file);
            case JSON -> analyzeResult.open(file);
            case TEXT -> text.open(file);
        };
    }

    /** {@code document}, opened from {@code file}, with its pages without a text layer OCR'd when OCR is configured. */
    Mono<SplitDocument> readScannedPages(SplitDocument document, Path file) {
        return scannedPages == null ? Mono.just(document) : scannedPages.read(document, file);
    }
}
