package io.matterpipeline.split;

import io.matterpipeline.split.detect.FormatDetector;
import io.matterpipeline.split.ocr.AnalyzeResultSplitter;
import io.matterpipeline.split.page.SplitDocument;
import io.matterpipeline.split.pdf.PdfSplitter;
import io.matterpipeline.split.text.TextSplitter;
import java.io.IOException;
import java.nio.file.Path;

/** Opens a document with the splitter its content calls for. */
final class DocumentSplitter {

    private final PdfSplitter pdf;
    private final AnalyzeResultSplitter analyzeResult;
    private final TextSplitter text;

    DocumentSplitter(PdfSplitter pdf, AnalyzeResultSplitter analyzeResult, TextSplitter text) {
        this.pdf = pdf;
        this.analyzeResult = analyzeResult;
        this.text = text;
    }

    static DocumentSplitter of(SplitterProperties properties) {
        return new DocumentSplitter(
                new PdfSplitter(properties.effectiveTempDirectory(), properties.maxPages(), properties.maxPageTextChars()),
                new AnalyzeResultSplitter(properties.maxPages(), properties.lowConfidenceThreshold(),
                        properties.maxDocumentSize().toBytes(), properties.maxJsonNestingDepth(),
                        properties.maxPageTextChars()),
                new TextSplitter(properties.maxTextPageChars(), properties.maxPages()));
    }

    /** Detects the format of {@code file} and opens it (blocking). */
    SplitDocument open(Path file) throws IOException {
        return switch (FormatDetector.detect(file)) {
            case PDF -> pdf.open(file);
            case JSON -> analyzeResult.open(file);
            case TEXT -> text.open(file);
        };
    }
}
