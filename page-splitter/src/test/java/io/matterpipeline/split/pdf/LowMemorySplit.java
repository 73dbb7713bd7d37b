package io.matterpipeline.split.pdf;

import io.matterpipeline.split.page.SplitDocument;
import io.matterpipeline.split.page.SplitPage;
import java.nio.file.Path;

/**
 * Splits a PDF and checks every page's marker; run by {@link PdfLowMemorySplitTests} in a JVM with a small heap.
 * Prints {@code split <n> pages} and exits 0 when every page k carries marker k, exits 1 otherwise (and with an
 * OutOfMemoryError, non-zero as well).
 */
public final class LowMemorySplit {

    private LowMemorySplit() {
    }

    public static void main(String[] args) throws Exception {
        Path pdf = Path.of(args[0]);
        Path temp = Path.of(args[1]);
        int expected = Integer.parseInt(args[2]);
        int pages = 0;
        try (SplitDocument document = new PdfSplitter(temp, 10_000, 1_000_000).open(pdf)) {
            SplitPage page;
            while ((page = document.nextPage()) != null) {
                pages++;
                if (page.pageNumber() != pages || !page.text().contains(PdfFixtures.marker(pages))) {
                    System.out.println("page " + pages + " lacks its marker");
                    System.exit(1);
                }
            }
            if (document.pageCount() != expected || pages != expected) {
                System.out.println("expected " + expected + " pages, got " + pages + " of " + document.pageCount());
                System.exit(1);
            }
        }
        System.out.println("split " + pages + " pages with max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024)
                + " MB");
    }
}
