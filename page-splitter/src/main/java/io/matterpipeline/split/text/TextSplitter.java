package io.matterpipeline.split.text;

import io.matterpipeline.error.BadInputException;
import io.matterpipeline.split.page.SplitDocument;
import io.matterpipeline.split.page.SplitFailures;
import io.matterpipeline.split.page.SplitPage;
import io.matterpipeline.split.page.WordConfidence;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Splits UTF-8 text into pages: a form feed ({@code \f}) ends a page, and a page that would exceed the maximum size
 * is broken at the last line break (or else whitespace) before the limit. The text is streamed twice — once to
 * validate and count the pages, once to emit them — so its size is bounded by the disk, not the heap.
 */
public final class TextSplitter {

    private final int maxPageChars;
    private final int maxPages;

    /**
     * @param maxPageChars the longest page in characters
     * @param maxPages more pages than this is {@code too-many-pages}
     */
    public TextSplitter(int maxPageChars, int maxPages) {
        if (maxPageChars < 2) {
            throw new IllegalArgumentException("maxPageChars must be >= 2");
        }
        this.maxPageChars = maxPageChars;
        this.maxPages = maxPages;
    }

    /**
     * Validates and opens {@code file} (blocking).
     *
     * @throws BadInputException {@code empty-document} for empty or whitespace-only text, {@code unsupported-document}
     *     for invalid UTF-8 or binary content, {@code too-many-pages}
     */
    public SplitDocument open(Path file) throws IOException {
        int pageCount = 0;
        boolean blank = true;
        try (TextPager pager = new TextPager(reader(file), maxPageChars)) {
            String page;
            while ((page = pager.next()) != null) {
                if (page.indexOf('\0') >= 0) {
                    throw new BadInputException(SplitFailures.UNSUPPORTED_DOCUMENT,
                            "The document contains NUL characters: it is binary, not text");
                }
                blank = blank && page.isBlank();
                if (++pageCount > maxPages) {
                    throw new BadInputException(SplitFailures.TOO_MANY_PAGES, "The text has more than " + maxPages
                            + " pages of at most " + maxPageChars + " characters");
                }
            }
        } catch (CharacterCodingException e) {
            throw new BadInputException(SplitFailures.UNSUPPORTED_DOCUMENT, "The document is not valid UTF-8 text", e);
        }
        if (blank) {
            throw new BadInputException(SplitFailures.EMPTY_DOCUMENT, "The text is empty or only whitespace");
        }
        return new TextDocument(new TextPager(reader(file), maxPageChars), pageCount);
    }

    private static Reader reader(Path file) throws IOException {
        return new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT));
    }

    private static final class TextDocument implements SplitDocument {

        private final TextPager pager;
        private final int pageCount;
        private int emitted;

        TextDocument(TextPager pager, int pageCount) {
            this.pager = pager;
            this.pageCount = pageCount;
        }

        @Override
        public String kind() {
            return "text";
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
        public SplitPage nextPage() throws IOException {
            String text = emitted < pageCount ? pager.next() : null;
            if (text == null) {
                if (emitted != pageCount) {
                    // The temp file is private to this split; a different second read means it changed under us.
                    throw new IOException("The text yielded " + emitted + " pages on the second read, not " + pageCount);
                }
                return null;
            }
            return SplitPage.ofText(++emitted, text);
        }

        @Override
        public void close() throws IOException {
            pager.close();
        }
    }
}
