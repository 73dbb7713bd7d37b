package io.matterpipeline.split.pdf;

import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.split.page.SplitDocument;
import io.matterpipeline.split.page.SplitFailures;
import io.matterpipeline.split.page.SplitPage;
import io.matterpipeline.split.page.WordConfidence;
import java.io.IOException;
import java.io.Writer;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.graphics.PDXObject;
import org.apache.pdfbox.pdmodel.graphics.form.PDFormXObject;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;
import org.apache.pdfbox.text.PDFTextStripper;

/**
 * An open PDF yielding one page's text at a time. A page that yields no text but draws images has no text layer (a
 * scanned page): it comes out as {@link SplitPage#withoutTextLayer}, for OCR or for reporting, never as empty text.
 */
final class PdfDocument implements SplitDocument {

    private static final int MAX_FORM_DEPTH = 4;

    private final PDDocument document;
    private final int pageCount;
    private final int maxPageTextChars;
    private final PDFTextStripper stripper;
    private int next = 1;

    PdfDocument(PDDocument document, int pageCount, int maxPageTextChars) {
        this.document = document;
        this.pageCount = pageCount;
        this.maxPageTextChars = maxPageTextChars;
        this.stripper = new PDFTextStripper();
        // The same bytes must give the same page text on every platform (idempotent page blobs).
        stripper.setLineSeparator("\n");
    }

    @Override
    public String kind() {
        return "pdf";
    }

    @Override
    public int pageCount() {
        return pageCount;
    }

    @Override
    public WordConfidence confidence() {
        return WordConfidence.UNKNOWN;
    }

    @Override
    public SortedSet<Integer> pagesWithoutTextLayer() throws IOException {
        SortedSet<Integer> scanned = new TreeSet<>();
        for (int pageNumber = 1; pageNumber <= pageCount; pageNumber++) {
            // Only a page that draws an image can be a scanned page: text pages without images are never read twice.
            if (hasImages(document.getPage(pageNumber - 1).getResources(), 0) && text(pageNumber).isBlank()) {
                scanned.add(pageNumber);
            }
        }
        return scanned;
    }

    @Override
    public SplitPage nextPage() throws IOException {
        if (next > pageCount) {
            return null;
        }
        int pageNumber = next++;
        String pageText = text(pageNumber);
        if (pageText.isBlank() && hasImages(document.getPage(pageNumber - 1).getResources(), 0)) {
            // Pictures of text and no text layer: a scanned page. An empty page without images stays a blank page.
            return SplitPage.withoutTextLayer(pageNumber);
        }
        return SplitPage.ofText(pageNumber, pageText);
    }

    private String text(int pageNumber) throws IOException {
        stripper.setStartPage(pageNumber);
        stripper.setEndPage(pageNumber);
        BoundedWriter text = new BoundedWriter(maxPageTextChars, pageNumber);
        try {
            stripper.writeText(document, text);
        } catch (PipelineException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(SplitFailures.CORRUPT_PDF, "The text of PDF page " + pageNumber
                    + " cannot be read: " + e.getMessage(), e);
        }
        return text.toString().stripTrailing();
    }

    /** True when the resources draw an image, directly or through form XObjects (a few levels deep). */
    static boolean hasImages(PDResources resources, int depth) throws IOException {
        if (resources == null || depth > MAX_FORM_DEPTH) {
            return false;
        }
        for (COSName name : resources.getXObjectNames()) {
            PDXObject object;
            try {
                object = resources.getXObject(name);
            } catch (IOException | RuntimeException e) {
                continue;
            }
            if (object instanceof PDImageXObject
                    || object instanceof PDFormXObject form && hasImages(form.getResources(), depth + 1)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        document.close();
    }

    /** Collects a page's text and stops a page that decompresses into an absurd amount of text. */
    private static final class BoundedWriter extends Writer {

        private final StringBuilder text = new StringBuilder();
        private final int max;
        private final int pageNumber;

        BoundedWriter(int max, int pageNumber) {
            this.max = max;
            this.pageNumber = pageNumber;
        }

        @Override
        public void write(char[] chars, int offset, int length) {
            if (text.length() + length > max) {
                throw new BadInputException(SplitFailures.PAGE_TEXT_TOO_LARGE, "PDF page " + pageNumber
                        + " has more than " + max + " characters of text");
            }
            text.append(chars, offset, length);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
