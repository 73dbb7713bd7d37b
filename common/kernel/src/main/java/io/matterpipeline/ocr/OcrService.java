package io.matterpipeline.ocr;

import java.nio.file.Path;
import java.util.SortedSet;
import reactor.core.publisher.Mono;

/**
 * Optical character recognition of PDF pages that have no text layer (scanned pages). The port the page-splitter
 * calls; an adapter (Azure AI Document Intelligence {@code prebuilt-read}, module
 * {@code common/ocr-documentintelligence}) implements it and is chosen by configuration ({@code matter-pipeline.splitter.ocr.endpoint}). Without an adapter
 * such pages are reported {@code NO_TEXT} with reason {@code needs-ocr}.
 *
 * <p>Errors, inside the {@code Mono}:
 * <ul>
 *   <li>{@link io.matterpipeline.error.TransientException}: throttled (429), the service failed (5xx), the connection
 *       failed or the operation outlived its time bound; the same request may succeed later (the bus retries the
 *       document);</li>
 *   <li>{@link OcrRefusedException}: the service refused these pages for good (a document it cannot read, or
 *       credentials it does not accept); the pages end failed with {@link OcrRefusedException#reason()} and the
 *       service's explanation, the rest of the document goes on.</li>
 * </ul>
 */
public interface OcrService {

    /**
     * Reads the text of {@code pages} of the PDF {@code pdf}.
     *
     * @param pdf the whole PDF on local disk (page numbers are positions in it)
     * @param pages the 1-based page numbers to read, not empty
     * @return the result as Azure AI Document Intelligence {@code analyzeResult} JSON (v4 shape: {@code content},
     *     {@code pages[]} with {@code pageNumber} as in {@code pdf}, {@code spans}, {@code words} with
     *     {@code confidence}, {@code lines}), bare or wrapped in the operation body
     */
    Mono<byte[]> read(Path pdf, SortedSet<Integer> pages);
}
