package io.matterpipeline.split.text;

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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextSplitterTests {

    @TempDir
    Path dir;

    private final TextSplitter splitter = new TextSplitter(200, 10_000);

    @Test
    void aFormFeedEndsAPage() throws IOException {
        List<String> pages = split("First page.\nStill first.\fSecond page.\f\fFourth page.\f");

        assertThat(pages).containsExactly("First page.\nStill first.", "Second page.", "", "Fourth page.");
    }

    @Test
    void longTextIsCutIntoBoundedPagesAtLineBreaks() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int line = 1; line <= 60; line++) {
            text.append("Line ").append(line).append(": the tenant shall pay the rent monthly.\n");
        }

        List<String> pages = split(text.toString());

        assertThat(pages).hasSizeGreaterThan(10);
        assertThat(pages).allSatisfy(page -> {
            assertThat(page.length()).isLessThanOrEqualTo(200);
            assertThat(page).endsWith("\n").startsWith("Line ");
        });
        assertThat(String.join("", pages)).isEqualTo(text.toString());
    }

    @Test
    void aLongLineIsCutAtWhitespaceAndTextWithoutAnyIsCutHard() throws IOException {
        String words = "word ".repeat(100);
        List<String> byWords = split(words);
        assertThat(byWords).allSatisfy(page -> assertThat(page).hasSizeLessThanOrEqualTo(200).endsWith(" "));
        assertThat(String.join("", byWords)).isEqualTo(words);

        String solid = "x".repeat(450);
        assertThat(split(solid)).extracting(String::length).containsExactly(200, 200, 50);
    }

    @Test
    void aSurrogatePairIsNeverCutInTwo() throws IOException {
        String text = "a".repeat(199) + "\uD83D\uDE00" + "b".repeat(10);

        List<String> pages = split(text);

        assertThat(pages).containsExactly("a".repeat(199), "\uD83D\uDE00" + "b".repeat(10));
    }

    @Test
    void aByteOrderMarkIsNotText() throws IOException {
        Path file = dir.resolve("bom.txt");
        Files.write(file, ("\uFEFFHello").getBytes(StandardCharsets.UTF_8));

        assertThat(readAll(file)).containsExactly("Hello");
    }

    @Test
    void emptyOrWhitespaceOnlyTextIsEmpty() throws IOException {
        assertReason("".getBytes(StandardCharsets.UTF_8), "empty-document");
        assertReason(" \n\t\f \n".getBytes(StandardCharsets.UTF_8), "empty-document");
    }

    @Test
    void invalidUtf8AnywhereIsUnsupported() throws IOException {
        byte[] text = ("Valid start. ".repeat(2000) + "X").getBytes(StandardCharsets.UTF_8);
        text[text.length - 1] = (byte) 0xC3; // a lead byte with nothing following
        assertReason(text, "unsupported-document");

        byte[] latin1 = "Caf\u00e9 au lait".getBytes(StandardCharsets.ISO_8859_1);
        assertReason(latin1, "unsupported-document");
    }

    @Test
    void aNulCharacterMeansBinary() throws IOException {
        assertReason(("text" + "\0" + "more").getBytes(StandardCharsets.UTF_8), "unsupported-document");
    }

    @Test
    void morePagesThanAllowedAreRejected() throws IOException {
        TextSplitter small = new TextSplitter(200, 2);
        Path file = Files.writeString(dir.resolve("three.txt"), "a\fb\fc");

        assertThatThrownBy(() -> small.open(file)).isInstanceOfSatisfying(BadInputException.class,
                e -> assertThat(e.reason()).isEqualTo("too-many-pages"));
    }

    private void assertReason(byte[] content, String reason) throws IOException {
        Path file = Files.write(dir.resolve("doc-" + System.nanoTime() + ".txt"), content);
        assertThatThrownBy(() -> splitter.open(file)).isInstanceOfSatisfying(BadInputException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private List<String> split(String text) throws IOException {
        return readAll(Files.writeString(dir.resolve("doc-" + System.nanoTime() + ".txt"), text));
    }

    private List<String> readAll(Path file) throws IOException {
        List<String> pages = new ArrayList<>();
        try (SplitDocument document = splitter.open(file)) {
            assertThat(document.kind()).isEqualTo("text");
            SplitPage page;
            while ((page = document.nextPage()) != null) {
                assertThat(page.pageNumber()).isEqualTo(pages.size() + 1);
                pages.add(page.text());
            }
            assertThat(pages).hasSize(document.pageCount());
        }
        return pages;
    }
}
