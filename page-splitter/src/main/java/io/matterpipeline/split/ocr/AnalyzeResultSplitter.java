package io.matterpipeline.split.ocr;

import io.matterpipeline.contract.PageContent;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.split.ocr.AnalyzeResultJson.LineJson;
import io.matterpipeline.split.ocr.AnalyzeResultJson.PageJson;
import io.matterpipeline.split.ocr.AnalyzeResultJson.SpanJson;
import io.matterpipeline.split.ocr.AnalyzeResultJson.WordJson;
import io.matterpipeline.split.page.SplitDocument;
import io.matterpipeline.split.page.SplitFailures;
import io.matterpipeline.split.page.SplitPage;
import io.matterpipeline.split.page.WordConfidence;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Splits an Azure AI Document Intelligence {@code analyzeResult} (v3.1 / v4 shape, bare or wrapped in the operation
 * body) into pages: each page's text from its spans into {@code content} (or its lines when it has no spans), its
 * words with their confidence, and word confidence figures per page and for the whole document.
 *
 * <p>The JSON is untrusted: nesting depth, string, number and name lengths and the document length are bounded by
 * Jackson's {@link StreamReadConstraints}, and a syntax pass runs before any binding, so hostile input fails fast with
 * {@code invalid-json} or {@code json-limits-exceeded}.
 */
public final class AnalyzeResultSplitter {

    private final JsonMapper mapper;
    private final int maxPages;
    private final double lowConfidenceThreshold;
    private final int maxPageTextChars;
    private final int maxNestingDepth;

    /**
     * @param maxPages more pages than this is {@code too-many-pages}
     * @param lowConfidenceThreshold a word below this confidence counts as low
     * @param maxDocumentBytes the longest JSON accepted, also the longest string in it
     * @param maxNestingDepth the deepest JSON nesting accepted (a real analyzeResult needs fewer than 10 levels)
     * @param maxPageTextChars a longer page text is {@code page-text-too-large}
     */
    public AnalyzeResultSplitter(int maxPages, double lowConfidenceThreshold, long maxDocumentBytes,
            int maxNestingDepth, int maxPageTextChars) {
        this.maxPages = maxPages;
        this.lowConfidenceThreshold = lowConfidenceThreshold;
        this.maxPageTextChars = maxPageTextChars;
        this.maxNestingDepth = maxNestingDepth;
        StreamReadConstraints constraints = StreamReadConstraints.builder()
                .maxNestingDepth(maxNestingDepth)
                .maxDocumentLength(maxDocumentBytes)
                .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxDocumentBytes))
                .maxNumberLength(100)
                .maxNameLength(1000)
                .build();
        this.mapper = JsonMapper.builder(JsonFactory.builder().streamReadConstraints(constraints).build())
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .build();
    }

    /**
     * Parses {@code file} (blocking).
     *
     * @throws BadInputException {@code invalid-json}, {@code json-limits-exceeded}, {@code unsupported-document}
     *     (JSON that is not an analyzeResult), {@code unsupported-analyze-result} (old or failed results),
     *     {@code empty-document} (no pages), {@code too-many-pages}, {@code page-text-too-large}
     */
    public SplitDocument open(Path file) throws IOException {
        AnalyzeResultJson result = analyzeResultOf(parse(file));
        List<PageJson> pages = checkedPages(result);
        orderPages(pages);
        OffsetMapper offsets = OffsetMapper.of(result.stringIndexType(), result.content());
        List<SplitPage> split = new ArrayList<>(pages.size());
        List<Double> allConfidences = new ArrayList<>();
        for (int i = 0; i < pages.size(); i++) {
            SplitPage page = page(i + 1, pages.get(i), result.content(), offsets);
            page.words().forEach(word -> allConfidences.add(word.confidence()));
            split.add(page);
        }
        return new AnalyzeResultDocument(split, WordConfidence.of(allConfidences, lowConfidenceThreshold));
    }

    /**
     * The pages of an OCR service's answer for some pages of a PDF, keyed by their {@code pageNumber} (a position in
     * that PDF, not renumbered), with text, words and confidence as {@link #open} gives them. The answer is checked
     * as any uploaded JSON is.
     *
     * @throws BadInputException as {@link #open}, and {@code unsupported-analyze-result} for a page without a number
     */
    public Map<Integer, SplitPage> pagesByNumber(byte[] json) throws IOException {
        AnalyzeResultJson result = analyzeResultOf(parse(json));
        List<PageJson> pages = checkedPages(result);
        OffsetMapper offsets = OffsetMapper.of(result.stringIndexType(), result.content());
        Map<Integer, SplitPage> byNumber = new TreeMap<>();
        for (PageJson page : pages) {
            if (page.pageNumber() == null || byNumber.containsKey(page.pageNumber())) {
                throw new BadInputException(SplitFailures.UNSUPPORTED_ANALYZE_RESULT, "The OCR result has a page"
                        + " without a number, or a number twice (" + page.pageNumber() + ")");
            }
            byNumber.put(page.pageNumber(), page(page.pageNumber(), page, result.content(), offsets));
        }
        return byNumber;
    }

    private List<PageJson> checkedPages(AnalyzeResultJson result) {
        List<PageJson> pages = new ArrayList<>(result.pages());
        pages.removeIf(Objects::isNull);
        if (pages.isEmpty()) {
            throw new BadInputException(SplitFailures.EMPTY_DOCUMENT, "The analyzeResult has no pages");
        }
        if (pages.size() > maxPages) {
            throw new BadInputException(SplitFailures.TOO_MANY_PAGES, "The analyzeResult has " + pages.size()
                    + " pages; at most " + maxPages + " are accepted");
        }
        rejectOldShapes(pages);
        return pages;
    }

    private AnalyzeResultJson parse(Path file) throws IOException {
        return parse(() -> mapper.createParser(file), () -> mapper.readValue(file, AnalyzeResultJson.class));
    }

    private AnalyzeResultJson parse(byte[] json) throws IOException {
        return parse(() -> mapper.createParser(json), () -> mapper.readValue(json, AnalyzeResultJson.class));
    }

    private AnalyzeResultJson parse(Supplier<JsonParser> tokens, Supplier<AnalyzeResultJson> binding)
            throws IOException {
        try {
            // A syntax-only pass first: limits and syntax errors are reported as such, whatever the shape.
            try (JsonParser parser = tokens.get()) {
                while (parser.nextToken() != null) {
                    // Reading tokens is enough: the parser enforces the constraints as it goes.
                }
            }
            return binding.get();
        } catch (StreamConstraintsException e) {
            throw new BadInputException(SplitFailures.JSON_LIMITS_EXCEEDED, "The JSON exceeds the accepted limits"
                    + " (nesting depth " + maxNestingDepth + "): " + e.getOriginalMessage(), e);
        } catch (JacksonIOException e) {
            throw new IOException("Reading the JSON failed", e);
        } catch (StreamReadException e) {
            throw new BadInputException(SplitFailures.INVALID_JSON, "The document is not well-formed JSON: "
                    + e.getOriginalMessage(), e);
        } catch (JacksonException e) {
            throw new BadInputException(SplitFailures.UNSUPPORTED_DOCUMENT, "The JSON is not an Azure Document"
                    + " Intelligence analyzeResult: " + e.getOriginalMessage(), e);
        }
    }

    /** The analyzeResult inside {@code root}, which is either the operation body or the result itself. */
    private static AnalyzeResultJson analyzeResultOf(AnalyzeResultJson root) {
        boolean wrapped = root.analyzeResult() != null;
        if (root.status() != null && !"succeeded".equalsIgnoreCase(root.status())) {
            throw new BadInputException(SplitFailures.UNSUPPORTED_ANALYZE_RESULT, "The analyze operation's status is '"
                    + root.status() + "', not 'succeeded'");
        }
        AnalyzeResultJson result = wrapped ? root.analyzeResult() : root;
        if (result.readResults() != null) {
            throw new BadInputException(SplitFailures.UNSUPPORTED_ANALYZE_RESULT, "This is a v2.1 result"
                    + " (readResults); analyze the document with API version 2023-07-31 or later");
        }
        if (result.pages() == null || (!wrapped && result.content() == null)) {
            if (wrapped || root.status() != null) {
                throw new BadInputException(SplitFailures.UNSUPPORTED_ANALYZE_RESULT,
                        "The analyzeResult has no pages array" + (wrapped ? "" : " and no content"));
            }
            throw new BadInputException(SplitFailures.UNSUPPORTED_DOCUMENT, "The JSON is not an Azure Document"
                    + " Intelligence analyzeResult (an object with 'content' and 'pages', or an operation body with"
                    + " 'analyzeResult')");
        }
        return result;
    }

    private static void rejectOldShapes(List<PageJson> pages) {
        for (PageJson page : pages) {
            boolean old = page.boundingBox() != null;
            for (WordJson word : nonNull(page.words())) {
                old = old || word.boundingBox() != null || (word.content() == null && word.text() != null);
            }
            for (LineJson line : nonNull(page.lines())) {
                old = old || line.boundingBox() != null || (line.content() == null && line.text() != null);
            }
            if (old) {
                throw new BadInputException(SplitFailures.UNSUPPORTED_ANALYZE_RESULT, "This result uses the pre-2022"
                        + " preview shape (boundingBox); analyze the document with API version 2023-07-31 or later");
            }
        }
    }

    private static void orderPages(List<PageJson> pages) {
        Set<Integer> seen = new HashSet<>();
        for (PageJson page : pages) {
            if (page.pageNumber() != null && !seen.add(page.pageNumber())) {
                throw new BadInputException(SplitFailures.UNSUPPORTED_ANALYZE_RESULT, "The analyzeResult has page "
                        + page.pageNumber() + " twice");
            }
        }
        // Pages without a number keep their position (a stable sort); numbered pages are ordered by number. A result of
        // a page range (pages=3-5) is renumbered from 1: page numbers are positions in the submitted document.
        if (seen.size() == pages.size()) {
            pages.sort(Comparator.comparing(PageJson::pageNumber));
        }
    }

    private SplitPage page(int pageNumber, PageJson page, String content, OffsetMapper offsets) {
        StringBuilder text = new StringBuilder();
        List<int[]> segments = new ArrayList<>(); // {contentStart, contentEnd, textStart}, UTF-16
        if (content != null) {
            for (SpanJson span : nonNull(page.spans())) {
                if (span.offset() == null || span.length() == null) {
                    continue;
                }
                int start = offsets.toUtf16(span.offset());
                int end = offsets.toUtf16(span.offset() + span.length());
                if (start < 0 || end < start) {
                    continue;
                }
                if (text.length() > 0 && (segments.isEmpty() || segments.get(segments.size() - 1)[1] != start)) {
                    text.append('\n');
                }
                segments.add(new int[] {start, end, text.length()});
                text.append(content, start, end);
                checkLength(pageNumber, text.length());
            }
        }
        if (segments.isEmpty()) {
            // No usable spans: the page's lines (or else its words) in order are its text.
            List<String> parts = new ArrayList<>();
            nonNull(page.lines()).forEach(line -> parts.add(Objects.requireNonNullElse(line.content(), "")));
            String separator = "\n";
            if (parts.isEmpty()) {
                nonNull(page.words()).forEach(word -> parts.add(Objects.requireNonNullElse(word.content(), "")));
                separator = " ";
            }
            text.append(String.join(separator, parts));
            checkLength(pageNumber, text.length());
        }
        String pageText = text.toString();
        List<PageContent.Word> words = new ArrayList<>();
        List<Double> confidences = new ArrayList<>();
        int cursor = 0;
        for (WordJson word : nonNull(page.words())) {
            if (word.content() == null || word.confidence() == null) {
                continue;
            }
            int offset = wordOffset(word, content, offsets, segments, pageText, cursor);
            if (offset >= 0) {
                cursor = offset + word.content().length();
            }
            double confidence = Math.max(0, Math.min(1, word.confidence()));
            words.add(new PageContent.Word(word.content(), confidence, offset));
            confidences.add(confidence);
        }
        return new SplitPage(pageNumber, pageText, words, WordConfidence.of(confidences, lowConfidenceThreshold));
    }

    /**
     * Where the word starts in the page text. Its span is trusted only when it slices exactly the word's content out
     * of {@code content}; otherwise (offsets counted differently, or simply wrong) the word's content is looked up
     * after the previous word. -1 when the page text does not contain it.
     */
    private static int wordOffset(WordJson word, String content, OffsetMapper offsets, List<int[]> segments,
            String pageText, int cursor) {
        SpanJson span = word.span();
        if (content != null && span != null && span.offset() != null && span.length() != null) {
            int start = offsets.toUtf16(span.offset());
            int end = offsets.toUtf16(span.offset() + span.length());
            if (start >= 0 && end >= start && content.substring(start, end).equals(word.content())) {
                for (int[] segment : segments) {
                    if (start >= segment[0] && end <= segment[1]) {
                        return segment[2] + start - segment[0];
                    }
                }
            }
        }
        int found = pageText.indexOf(word.content(), Math.min(cursor, pageText.length()));
        return found >= 0 ? found : pageText.indexOf(word.content());
    }

    private void checkLength(int pageNumber, int length) {
        if (length > maxPageTextChars) {
            throw new BadInputException(SplitFailures.PAGE_TEXT_TOO_LARGE, "Page " + pageNumber + " has more than "
                    + maxPageTextChars + " characters of text");
        }
    }

    private static <T> List<T> nonNull(List<T> list) {
        if (list == null) {
            return List.of();
        }
        List<T> copy = new ArrayList<>(list);
        copy.removeIf(Objects::isNull);
        return copy;
    }

    /** The pages are parsed up front (the JSON must be read whole anyway); they are handed out one by one. */
    private static final class AnalyzeResultDocument implements SplitDocument {

        private final Iterator<SplitPage> pages;
        private final int pageCount;
        private final WordConfidence confidence;

        AnalyzeResultDocument(List<SplitPage> pages, WordConfidence confidence) {
            this.pages = pages.iterator();
            this.pageCount = pages.size();
            this.confidence = confidence;
        }

        @Override
        public String kind() {
            return "analyze-result";
        }

        @Override
        public int pageCount() {
            return pageCount;
        }

        @Override
        public WordConfidence confidence() {
            return confidence;
        }

        @Override
        public SplitPage nextPage() {
            return pages.hasNext() ? pages.next() : null;
        }

        @Override
        public void close() {
        }
    }
}
