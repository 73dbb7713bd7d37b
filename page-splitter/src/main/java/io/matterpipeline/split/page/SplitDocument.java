package io.matterpipeline.split.page;

import java.io.Closeable;
import java.io.IOException;

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

    /** The next page in order, or null after the last one. */
    SplitPage nextPage() throws IOException;

    @Override
    void close() throws IOException;
}
