package io.matterpipeline.split.ocr;

import java.text.BreakIterator;

/**
 * Turns offsets of an analyzeResult into Java (UTF-16) string indexes. The service counts offsets in its
 * {@code stringIndexType}: grapheme clusters ({@code textElements}, the default), code points, or UTF-16 code units;
 * they agree with Java's indexes only while the text has no surrogate pairs or combining marks, which is the common
 * case and costs nothing.
 */
final class OffsetMapper {

    /** Index of each element's start in UTF-16, plus the content length; null when offsets are already UTF-16. */
    private final int[] starts;
    private final int length;

    private OffsetMapper(int[] starts, int length) {
        this.starts = starts;
        this.length = length;
    }

    static OffsetMapper of(String stringIndexType, String content) {
        if (content == null) {
            return new OffsetMapper(null, 0);
        }
        if ("utf16CodeUnit".equals(stringIndexType)) {
            return new OffsetMapper(null, content.length());
        }
        if ("unicodeCodePoint".equals(stringIndexType)) {
            if (!hasSurrogates(content)) {
                return new OffsetMapper(null, content.length());
            }
            int[] starts = new int[content.codePointCount(0, content.length()) + 1];
            int element = 0;
            for (int i = 0; i < content.length(); i += Character.charCount(content.codePointAt(i))) {
                starts[element++] = i;
            }
            starts[element] = content.length();
            return new OffsetMapper(starts, content.length());
        }
        if (isOneCharPerGrapheme(content)) {
            return new OffsetMapper(null, content.length());
        }
        BreakIterator graphemes = BreakIterator.getCharacterInstance();
        graphemes.setText(content);
        int count = 0;
        for (int b = graphemes.first(); b != BreakIterator.DONE; b = graphemes.next()) {
            count++;
        }
        int[] starts = new int[count];
        int element = 0;
        for (int b = graphemes.first(); b != BreakIterator.DONE; b = graphemes.next()) {
            starts[element++] = b;
        }
        return new OffsetMapper(starts, content.length());
    }

    /** The UTF-16 index of element {@code offset}, or -1 when it lies outside the content. */
    int toUtf16(int offset) {
        if (starts == null) {
            return offset >= 0 && offset <= length ? offset : -1;
        }
        return offset >= 0 && offset < starts.length ? starts[offset] : -1;
    }

    private static boolean hasSurrogates(String content) {
        for (int i = 0; i < content.length(); i++) {
            if (Character.isSurrogate(content.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** True when every char is a grapheme of its own, so grapheme offsets equal UTF-16 indexes. */
    private static boolean isOneCharPerGrapheme(String content) {
        char previous = 0;
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            if (Character.isSurrogate(c) || (previous == '\r' && c == '\n') || c == '\u200D'
                    || (c >= '\u1100' && c <= '\u11FF') || (c >= '\uA960' && c <= '\uA97F')
                    || (c >= '\uD7B0' && c <= '\uD7FF')) {
                return false;
            }
            int type = Character.getType(c);
            if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK
                    || type == Character.COMBINING_SPACING_MARK) {
                return false;
            }
            previous = c;
        }
        return true;
    }
}
