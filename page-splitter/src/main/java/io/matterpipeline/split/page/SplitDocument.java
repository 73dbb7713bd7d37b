package io.matterpipeline.split.page;

import java.io.Closeable;
import java.io.IOException;
import java.util.Collections;
import java.util.SortedSet;

/**
 * An opened document being split, read page by page so that a large document never sits in memory whole. Every
 * method blocks (file I/O, PDF parsing): call them on {@code Schedulers.boundedElastic()}. Errors about the document
 * itself are {@link io.matterpipeline.error.BadInputException}s with a reason from {@link SplitFailures}.
 */
public interface SplitDocument extends Closeable {

    /** {@code pdf}, {@code analyze-result} or {@code text}, as written in PageContent and DocumentSplit. */
    String kind();

    /** The number of pages {@link #nextPage()} yields, known before the first page is read. */
    int pageCount();

    /** Word confidence over the whole document; {@link WordConfidence#UNKNOWN} when the input is not OCR. */
    WordConfidence confidence();

    /**
     * The pages {@link #nextPage()} will yield as {@link SplitPage#withoutTextLayer} (scanned pages), found without
     * handing any page out; empty for input that is not a PDF. A PDF reads the text of every page that draws an image
     * to find them, so call it only when something will be done with the answer (OCR).
     */
    default SortedSet<Integer> pagesWithoutTextLayer() throws IOException {
        return Collections.emptySortedSet();
    }

    /** The next page in order, or null after the last one. */
    SplitPage nextPage() throws IOException;

    @Override
    void close() throws IOException;
}
