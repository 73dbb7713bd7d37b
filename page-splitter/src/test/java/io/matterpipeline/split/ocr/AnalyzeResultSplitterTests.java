package io.matterpipeline.split.ocr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.matterpipeline.contract.PageContent;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.split.page.SplitDocument;
import io.matterpipeline.split.page.SplitPage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

class AnalyzeResultSplitterTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private final AnalyzeResultSplitter splitter = new AnalyzeResultSplitter(10_000, 0.8, 64L * 1024 * 1024, 64,
            1_000_000);

    @Test
    void theFixtureSplitsIntoTwoPagesWithTheirConfidence() throws IOException {
        Path file = write(fixture());

        try (SplitDocument document = splitter.open(file)) {
            assertThat(document.kind()).isEqualTo("analyze-result");
            assertThat(document.pageCount()).isEqualTo(2);
            List<SplitPage> pages = readAll(document);

            SplitPage first = pages.get(0);
            assertThat(first.pageNumber()).isEqualTo(1);
            assertThat(first.text()).startsWith("IN THE SUPERIOR COURT OF EXAMPLE COUNTY\nMatter No. 2024-CV-01873")
                    .endsWith("JOHN Q. SAMPLE, Defendant.");
            assertThat(first.words()).hasSize(19);
            assertThat(first.confidence().average()).isCloseTo(0.9786, within(0.00005));
            assertThat(first.confidence().min()).isCloseTo(0.93, within(0.00005));
            assertThat(first.confidence().lowShare()).isZero();

            SplitPage second = pages.get(1);
            assertThat(second.text()).isEqualTo("SCHEDULE A - DEADLINES\nEvent Date\nAnswer due 2024-03-15\n"
                    + "Mediation 2024-05-02");
            assertThat(second.words()).hasSize(11);
            assertThat(second.confidence().average()).isCloseTo(0.8911, within(0.00005));
            assertThat(second.confidence().min()).isCloseTo(0.57, within(0.00005));
            assertThat(second.confidence().lowShare()).isCloseTo(2.0 / 11, within(0.00005));

            assertThat(document.confidence().wordCount()).isEqualTo(30);
            assertThat(document.confidence().average()).isCloseTo(0.9465, within(0.00005));
            for (SplitPage page : pages) {
                for (PageContent.Word word : page.words()) {
                    assertThat(page.text().startsWith(word.content(), word.offset()))
                            .as("word '%s' at %d", word.content(), word.offset()).isTrue();
                }
            }
        }
    }

    @Test
    void theBareAnalyzeResultSplitsLikeTheWrappedOne() throws IOException {
        List<SplitPage> wrapped = readAll(splitter.open(write(fixture())));
        List<SplitPage> bare = readAll(splitter.open(write(fixture().get("analyzeResult"))));

        assertThat(bare).isEqualTo(wrapped);
    }

    @Test
    void withoutSpansThePageTextIsItsLines() throws IOException {
        ObjectNode root = fixture();
        ObjectNode page = (ObjectNode) root.get("analyzeResult").get("pages").get(1);
        page.remove("spans");

        List<SplitPage> pages = readAll(splitter.open(write(root)));

        assertThat(pages.get(1).text()).isEqualTo("SCHEDULE A - DEADLINES\nEvent Date\nAnswer due 2024-03-15\n"
                + "Mediation 2024-05-02");
        assertThat(pages.get(1).words()).allSatisfy(word ->
                assertThat(pages.get(1).text().startsWith(word.content(), word.offset())).isTrue());
    }

    @Test
    void graphemeOffsetsAreMappedAndDisagreeingOffsetsFallBackToTheWordsContent() throws IOException {
        // "textElements" offsets count the emoji and the e + combining accent as one element each, unlike Java.
        String content = "Caf\u0065\u0301 \uD83D\uDE00 deal signed";
        ObjectNode result = JSON.createObjectNode();
        result.put("apiVersion", "2024-11-30");
        result.put("stringIndexType", "textElements");
        result.put("content", content);
        ObjectNode page = result.putArray("pages").addObject();
        page.put("pageNumber", 1);
        page.putArray("spans").addObject().put("offset", 0).put("length", 18);
        ArrayNode words = page.putArray("words");
        word(words, "Caf\u0065\u0301", 0, 4, 0.9);
        word(words, "\uD83D\uDE00", 5, 1, 0.9);
        word(words, "deal", 7, 4, 0.9);
        word(words, "signed", 99, 6, 0.5); // a wrong offset: found by its content instead

        SplitPage only = readAll(splitter.open(write(result))).get(0);

        assertThat(only.text()).isEqualTo(content);
        assertThat(only.words()).extracting(PageContent.Word::offset).containsExactly(0, 6, 9, 14);
        assertThat(only.confidence().lowShare()).isCloseTo(0.25, within(1e-9));
    }

    @Test
    void aV21ResultIsUnsupported() throws IOException {
        String v21 = "{\"status\":\"succeeded\",\"analyzeResult\":{\"version\":\"2.1.0\",\"readResults\":[{\"page\":1,"
                + "\"lines\":[{\"text\":\"Hello\",\"boundingBox\":[0,0,1,0,1,1,0,1],\"words\":[{\"text\":\"Hello\","
                + "\"confidence\":0.9}]}]}]}}";

        assertReason(v21, "unsupported-analyze-result");
    }

    @Test
    void aPreviewResultWithBoundingBoxesIsUnsupported() throws IOException {
        String preview = "{\"apiVersion\":\"2021-09-30-preview\",\"content\":\"Hello\",\"pages\":[{\"pageNumber\":1,"
                + "\"spans\":[{\"offset\":0,\"length\":5}],\"words\":[{\"content\":\"Hello\",\"boundingBox\":[0,0,1,0,1,"
                + "1,0,1],\"confidence\":0.9,\"span\":{\"offset\":0,\"length\":5}}]}]}";

        assertReason(preview, "unsupported-analyze-result");
    }

    @Test
    void aFailedOperationIsUnsupported() throws IOException {
        assertReason("{\"status\":\"failed\",\"error\":{\"code\":\"InvalidRequest\"}}", "unsupported-analyze-result");
    }

    @Test
    void jsonThatIsNotAnAnalyzeResultIsUnsupported() throws IOException {
        assertReason("{\"invoice\":{\"total\":12.5},\"pages\":3}", "unsupported-document");
        assertReason("{\"name\":\"not an analyze result\"}", "unsupported-document");
        assertReason("[1, 2, 3]", "unsupported-document");
    }

    @Test
    void malformedJsonIsInvalid() throws IOException {
        assertReason("{\"content\": \"unterminated", "invalid-json");
    }

    @Test
    void deepNestingIsRejectedBeforeBinding() throws IOException {
        String deep = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
        String deepArrays = "[".repeat(10_000) + "]".repeat(10_000);

        assertReason(deep, "json-limits-exceeded");
        assertReason(deepArrays, "json-limits-exceeded");
    }

    @Test
    void anAnalyzeResultWithoutPagesIsEmpty() throws IOException {
        assertReason("{\"apiVersion\":\"2024-11-30\",\"content\":\"\",\"pages\":[]}", "empty-document");
    }

    @Test
    void morePagesThanAllowedAreRejected() throws IOException {
        AnalyzeResultSplitter small = new AnalyzeResultSplitter(1, 0.8, 1024 * 1024, 64, 1000);
        Path file = write(fixture());

        assertThatThrownBy(() -> small.open(file)).isInstanceOfSatisfying(BadInputException.class,
                e -> assertThat(e.reason()).isEqualTo("too-many-pages"));
    }

    private void assertReason(String json, String reason) throws IOException {
        Path file = Files.writeString(dir.resolve("doc-" + System.nanoTime() + ".json"), json);
        assertThatThrownBy(() -> splitter.open(file))
                .isInstanceOfSatisfying(BadInputException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.getMessage()).isNotBlank();
                });
    }

    private static void word(ArrayNode words, String content, int offset, int length, double confidence) {
        ObjectNode word = words.addObject();
        word.put("content", content);
        word.put("confidence", confidence);
        word.putObject("span").put("offset", offset).put("length", length);
    }

    static ObjectNode fixture() throws IOException {
        try (InputStream in = AnalyzeResultSplitterTests.class.getResourceAsStream("/fixtures/analyze-result-2page.json")) {
            return (ObjectNode) JSON.readTree(in);
        }
    }

    private Path write(JsonNode json) throws IOException {
        return Files.write(dir.resolve("doc-" + System.nanoTime() + ".json"), JSON.writeValueAsBytes(json));
    }

    private static List<SplitPage> readAll(SplitDocument document) throws IOException {
        List<SplitPage> pages = new ArrayList<>();
        try (document) {
            SplitPage page;
            while ((page = document.nextPage()) != null) {
                pages.add(page);
            }
        }
        return pages;
    }
}
