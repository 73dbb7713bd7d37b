package io.matterpipeline.split.pdf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.error.BadInputException;
import io.matterpipeline.split.page.SplitDocument;
import io.matterpipeline.split.page.SplitPage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PdfSplitterTests {

    @TempDir
    Path dir;

    private PdfSplitter splitter() {
        return new PdfSplitter(dir, 10_000, 1_000_000);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 500})
    void pageCountEqualsThePdfsAndEachPageHasItsOwnText(int pages) throws IOException {
        Path pdf = PdfFixtures.write(dir.resolve("doc.pdf"), pages);
        int expected;
        try (PDDocument document = Loader.loadPDF(pdf.toFile())) {
            expected = document.getNumberOfPages();
        }

        List<SplitPage> split = readAll(pdf);

        assertThat(expected).isEqualTo(pages);
        assertThat(split).hasSize(expected);
        for (SplitPage page : split) {
            int k = page.pageNumber();
            assertThat(page.text()).contains(PdfFixtures.marker(k));
            if (k > 1) {
                assertThat(page.text()).doesNotContain(PdfFixtures.marker(k - 1));
            }
            assertThat(page.words()).isEmpty();
            assertThat(page.confidence().average()).isNull();
        }
        assertThat(split).extracting(SplitPage::pageNumber).containsExactlyElementsOf(
                java.util.stream.IntStream.rangeClosed(1, pages).boxed().toList());
    }

    @Test
    void theHeaderMayFollowAFewJunkBytes() throws IOException {
        Path pdf = PdfFixtures.write(dir.resolve("doc.pdf"), 2);
        Path prefixed = dir.resolve("prefixed");
        byte[] junk = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] body = Files.readAllBytes(pdf);
        byte[] both = Arrays.copyOf(junk, junk.length + body.length);
        System.arraycopy(body, 0, both, junk.length, body.length);
        Files.write(prefixed, both);

        assertThat(readAll(prefixed)).hasSize(2);
    }

    @Test
    void aPasswordProtectedPdfIsEncrypted() throws IOException {
        Path pdf = PdfFixtures.writeWithUserPassword(dir.resolve("locked.pdf"), 2);

        assertThatThrownBy(() -> splitter().open(pdf))
                .isInstanceOfSatisfying(BadInputException.class, e -> assertThat(e.reason()).isEqualTo("encrypted-pdf"));
    }

    @Test
    void aPdfForbiddingExtractionIsEncrypted() throws IOException {
        Path pdf = PdfFixtures.writeWithExtractionForbidden(dir.resolve("no-copy.pdf"), 1);

        assertThatThrownBy(() -> splitter().open(pdf))
                .isInstanceOfSatisfying(BadInputException.class, e -> {
                    assertThat(e.reason()).isEqualTo("encrypted-pdf");
                    assertThat(e.getMessage()).contains("extracting");
                });
    }

    @Test
    void garbageAfterTheHeaderIsCorrupt() throws IOException {
        Path pdf = dir.resolve("corrupt.pdf");
        Files.writeString(pdf, "%PDF-1.7\nthis is not a PDF body at all\n%%EOF\n");

        assertThatThrownBy(() -> splitter().open(pdf))
                .isInstanceOfSatisfying(BadInputException.class, e -> assertThat(e.reason()).isEqualTo("corrupt-pdf"));
    }

    @Test
    void aTruncatedPdfIsCorrupt() throws IOException {
        Path whole = PdfFixtures.write(dir.resolve("whole.pdf"), 3);
        byte[] bytes = Files.readAllBytes(whole);
        Path truncated = Files.write(dir.resolve("truncated.pdf"), Arrays.copyOf(bytes, 40));

        assertThatThrownBy(() -> splitter().open(truncated))
                .isInstanceOfSatisfying(BadInputException.class, e -> assertThat(e.reason()).isEqualTo("corrupt-pdf"));
    }

    @Test
    void aPdfWithoutPagesIsEmpty() throws IOException {
        Path pdf = dir.resolve("empty.pdf");
        try (PDDocument document = new PDDocument()) {
            document.save(pdf.toFile());
        }

        assertThatThrownBy(() -> splitter().open(pdf))
                .isInstanceOfSatisfying(BadInputException.class, e -> assertThat(e.reason()).isEqualTo("empty-document"));
    }

    @Test
    void morePagesThanAllowedAreRejected() throws IOException {
        Path pdf = PdfFixtures.write(dir.resolve("doc.pdf"), 3);

        assertThatThrownBy(() -> new PdfSplitter(dir, 2, 1_000_000).open(pdf))
                .isInstanceOfSatisfying(BadInputException.class, e -> assertThat(e.reason()).isEqualTo("too-many-pages"));
    }

    @Test
    void aPageWithMoreTextThanAllowedIsRejected() throws IOException {
        Path pdf = PdfFixtures.write(dir.resolve("doc.pdf"), 1);

        try (SplitDocument document = new PdfSplitter(dir, 10, 20).open(pdf)) {
            assertThatThrownBy(document::nextPage)
                    .isInstanceOfSatisfying(BadInputException.class,
                            e -> assertThat(e.reason()).isEqualTo("page-text-too-large"));
        }
    }

    private List<SplitPage> readAll(Path pdf) throws IOException {
        List<SplitPage> pages = new ArrayList<>();
        try (SplitDocument document = splitter().open(pdf)) {
            assertThat(document.kind()).isEqualTo("pdf");
            SplitPage page;
            while ((page = document.nextPage()) != null) {
                pages.add(page);
            }
            assertThat(pages).hasSize(document.pageCount());
        }
        return pages;
    }
}
