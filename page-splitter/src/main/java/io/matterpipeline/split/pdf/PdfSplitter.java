package io.matterpipeline.split.pdf;

import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.split.page.SplitDocument;
import io.matterpipeline.split.page.SplitFailures;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.io.MemoryUsageSetting;
import org.apache.pdfbox.io.RandomAccessStreamCache.StreamCacheCreateFunction;
import org.apache.pdfbox.io.ScratchFile;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;

/**
 * Splits a PDF into its pages' text with PDFBox. The file is read through random access and PDFBox's scratch
 * buffers go to temp files, never the heap, so a PDF of hundreds of pages splits in a small heap. The page count is
 * the PDF's own: a blank page is still a page.
 */
public final class PdfSplitter {

    private final StreamCacheCreateFunction streamCache;
    private final int maxPages;
    private final int maxPageTextChars;

    /**
     * @param tempDirectory where PDFBox keeps its scratch buffers
     * @param maxPages more pages than this is {@code too-many-pages} (guards absurd declared page counts)
     * @param maxPageTextChars a longer page text is {@code page-text-too-large}
     */
    public PdfSplitter(Path tempDirectory, int maxPages, int maxPageTextChars) {
        this.streamCache = () -> new ScratchFile(MemoryUsageSetting.setupTempFileOnly().setTempDir(tempDirectory.toFile()));
        this.maxPages = maxPages;
        this.maxPageTextChars = maxPageTextChars;
    }

    /**
     * Opens {@code file} (blocking).
     *
     * @throws BadInputException {@code encrypted-pdf}, {@code corrupt-pdf}, {@code empty-document} (0 pages) or
     *     {@code too-many-pages}
     */
    public SplitDocument open(Path file) throws IOException {
        PDDocument document;
        try {
            document = Loader.loadPDF(file.toFile(), "", streamCache);
        } catch (InvalidPasswordException e) {
            throw new BadInputException(SplitFailures.ENCRYPTED_PDF, "The PDF is password-protected", e);
        } catch (IOException | RuntimeException e) {
            // PDFBox reports damage as IOException, and sometimes as a RuntimeException from deep in the parser.
            throw new BadInputException(SplitFailures.CORRUPT_PDF, "The PDF cannot be parsed: " + e.getMessage(), e);
        }
        try {
            if (document.isEncrypted() && !document.getCurrentAccessPermission().canExtractContent()) {
                throw new BadInputException(SplitFailures.ENCRYPTED_PDF,
                        "The PDF is encrypted and does not permit extracting its text");
            }
            int pageCount = document.getNumberOfPages();
            if (pageCount <= 0) {
                throw new BadInputException(SplitFailures.EMPTY_DOCUMENT, "The PDF has no pages");
            }
            if (pageCount > maxPages) {
                throw new BadInputException(SplitFailures.TOO_MANY_PAGES, "The PDF declares " + pageCount
                        + " pages; at most " + maxPages + " are accepted");
            }
            return new PdfDocument(document, pageCount, maxPageTextChars);
        } catch (RuntimeException e) {
            document.close();
            if (e instanceof PipelineException) {
                throw e;
            }
            throw new BadInputException(SplitFailures.CORRUPT_PDF, "The PDF cannot be read: " + e.getMessage(), e);
        }
    }
}
