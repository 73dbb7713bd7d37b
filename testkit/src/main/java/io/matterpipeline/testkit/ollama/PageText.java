package io.matterpipeline.testkit.ollama;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finding the page in a worker prompt, and the sentences and quotable spans of a page. */
final class PageText {

    private static final Pattern CONTEXT_BLOCK =
            Pattern.compile("<context-(before|after)\\b[^>]*>.*?</context-\\1>", Pattern.DOTALL);
    private static final Pattern PAGE = Pattern.compile("<page\\b[^>]*>(.*?)</page>", Pattern.DOTALL);
    private static final Set<String> ABBREVIATIONS = Set.of("no", "nos", "inc", "corp", "co", "ltd", "mr", "mrs", "ms",
            "dr", "v", "vs", "jr", "sr", "st", "art", "sec", "para", "etc", "approx", "dept", "esq", "hon", "cf");
    private static final int MAX_LINE_QUOTE = 200;
    private static final int MAX_SENTENCE_QUOTE = 400;

    private PageText() {
    }

    /**
     * The page of a prompt: what the first {@code <page ...>} tag holds, or the whole message when there is none.
     * Context blocks are dropped first, so a page never comes from, nor includes, the neighbouring pages.
     */
    static String of(String userMessage) {
        String withoutContext = CONTEXT_BLOCK.matcher(userMessage).replaceAll("");
        Matcher page = PAGE.matcher(withoutContext);
        return page.find() ? page.group(1) : withoutContext;
    }

    /** Sentence spans {start, end} of {@code text}, trimmed, in text order. */
    static List<int[]> sentences(String text) {
        List<int[]> spans = new ArrayList<>();
        int start = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            int end = -1;
            if ((c == '.' || c == '!' || c == '?') && (i + 1 == n || Character.isWhitespace(text.charAt(i + 1)))
                    && !(c == '.' && endsWithAbbreviation(text, i))) {
                end = i + 1;
            } else if (c == '\n' && startsNewSentence(text, i)) {
                end = i;
            }
            if (end >= 0) {
                addTrimmed(text, start, end, spans);
                start = end;
            }
        }
        addTrimmed(text, start, n, spans);
        return spans;
    }

    /**
     * A verbatim quote around {@code [start, end)}: its line when short, else its sentence when not too long, else the
     * matched text itself.
     */
    static String quote(String text, int start, int end) {
        int lineStart = text.lastIndexOf('\n', start - 1) + 1;
        int lineEnd = text.indexOf('\n', end);
        int[] line = trim(text, lineStart, lineEnd < 0 ? text.length() : lineEnd);
        if (line[1] - line[0] <= MAX_LINE_QUOTE) {
            return text.substring(line[0], line[1]);
        }
        for (int[] sentence : sentences(text)) {
            if (sentence[0] <= start && end <= sentence[1]) {
                if (sentence[1] - sentence[0] <= MAX_SENTENCE_QUOTE) {
                    return text.substring(sentence[0], sentence[1]);
                }
                break;
            }
        }
        return text.substring(start, end);
    }

    /** The sentence holding {@code [start, end)}, or its line when the match spans sentences. */
    static String sentenceAround(String text, int start, int end) {
        for (int[] sentence : sentences(text)) {
            if (sentence[0] <= start && end <= sentence[1]) {
                return text.substring(sentence[0], sentence[1]);
            }
        }
        return quote(text, start, end);
    }

    /** Collapses runs of whitespace into one space. */
    static String normalizeSpace(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }

    private static boolean endsWithAbbreviation(String text, int dot) {
        int wordStart = dot;
        while (wordStart > 0 && Character.isLetter(text.charAt(wordStart - 1))) {
            wordStart--;
        }
        if (wordStart == dot) {
            return false;
        }
        String word = text.substring(wordStart, dot);
        // An initial (JOHN Q. SAMPLE, U.S.) or the inside of e.g./i.e.
        return word.length() == 1 && (Character.isUpperCase(word.charAt(0)) || wordStart > 0 && text.charAt(wordStart - 1) == '.')
                || ABBREVIATIONS.contains(word.toLowerCase(Locale.ROOT));
    }

    /** A line break ends a sentence at a blank line, or after a heading-like line when the next starts uppercase. */
    private static boolean startsNewSentence(String text, int newline) {
        int next = newline + 1;
        while (next < text.length() && (text.charAt(next) == ' ' || text.charAt(next) == '\t' || text.charAt(next) == '\r')) {
            next++;
        }
        if (next >= text.length()) {
            return false;
        }
        if (text.charAt(next) == '\n') {
            return true;
        }
        int previous = newline - 1;
        while (previous >= 0 && Character.isWhitespace(text.charAt(previous))) {
            previous--;
        }
        if (previous < 0) {
            return false;
        }
        char last = text.charAt(previous);
        char first = text.charAt(next);
        boolean continues = Character.isLowerCase(last) || last == ',' || last == '-' || last == ';' || last == ':'
                || last == '(' || last == '&';
        return !continues && (Character.isUpperCase(first) || Character.isDigit(first));
    }

    private static void addTrimmed(String text, int start, int end, List<int[]> spans) {
        int[] span = trim(text, start, end);
        if (span[1] > span[0]) {
            spans.add(span);
        }
    }

    private static int[] trim(String text, int start, int end) {
        while (start < end && Character.isWhitespace(text.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        return new int[] {start, end};
    }
}
