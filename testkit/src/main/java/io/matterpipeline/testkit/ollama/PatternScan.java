package io.matterpipeline.testkit.ollama;

import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link Matcher#find()} tried only at the positions where a match can start. {@code java.util.regex} tries a pattern
 * at every position of the text, and a leading {@code \b} or look-behind costs a Unicode character lookup at each;
 * most positions of a page cannot start a date, an amount or a case number (these scans were most of the simulated
 * model's CPU). The matches are the same, in the same order: at a candidate position, {@link Matcher#lookingAt()}
 * with transparent and non-anchoring bounds is the attempt {@code find()} makes there, and a position rejected here
 * is one where that attempt fails. {@code PatternScanTests} compares both on many texts.
 */
final class PatternScan {

    /** What must hold just before a match's first character. */
    enum Before {
        /** Nothing. */
        ANYTHING,
        /** A {@code \b}: the text's start or a character that is not a word character as {@code \b} sees it. */
        NO_WORD_CHARACTER,
        /** A {@code ^} in {@code MULTILINE} mode: the text's start or a line terminator. */
        LINE_START
    }

    private static final String LINE_TERMINATORS = "\n\r\u0085\u2028\u2029";
    private static final String DIGITS = "0123456789";

    private final Pattern pattern;
    /** Which Latin-1 characters may start a match; null when any character may. */
    private final boolean[] latinStarts;
    /** The characters beyond Latin-1 that may start a match. */
    private final String otherStarts;
    private final Before before;

    private PatternScan(Pattern pattern, String firstCharacters, Before before) {
        this.pattern = pattern;
        this.before = before;
        if (firstCharacters == null) {
            latinStarts = null;
            otherStarts = "";
        } else {
            latinStarts = new boolean[256];
            StringBuilder others = new StringBuilder();
            for (char c : firstCharacters.toCharArray()) {
                if (c < 256) {
                    latinStarts[c] = true;
                } else {
                    others.append(c);
                }
            }
            otherStarts = others.toString();
        }
    }

    /** A pattern whose matches start with an ASCII digit ({@code \d} without {@code UNICODE_CHARACTER_CLASS}). */
    static PatternScan startingWithDigit(String regex) {
        return new PatternScan(Pattern.compile(regex), DIGITS, Before.ANYTHING);
    }

    /** A pattern whose matches start with one of {@code firstCharacters}, after {@code before}. */
    static PatternScan startingWith(String regex, String firstCharacters, Before before) {
        return new PatternScan(Pattern.compile(regex), firstCharacters, before);
    }

    /** A {@code MULTILINE} pattern whose matches start at a line's start ({@code ^}). */
    static PatternScan atLineStart(String regex) {
        return new PatternScan(Pattern.compile(regex, Pattern.MULTILINE), null, Before.LINE_START);
    }

    Pattern pattern() {
        return pattern;
    }

    /** Every match, as {@code find()} would give them; the matcher is only valid during the call. */
    void forEachMatch(String text, Consumer<Matcher> each) {
        Matcher matcher = matcher(text);
        int from = 0;
        while (find(matcher, text, from)) {
            each.accept(matcher);
            from = Math.max(matcher.end(), matcher.start() + 1);
        }
    }

    /** The first match, or null: {@code find()} once. */
    Matcher first(String text) {
        Matcher matcher = matcher(text);
        return find(matcher, text, 0) ? matcher : null;
    }

    /** The next match starting at or after {@code from}, left in {@code matcher}; false when there is none. */
    private boolean find(Matcher matcher, String text, int from) {
        for (int at = from; at < text.length(); at++) {
            if (canStartAt(text, at) && matcher.region(at, text.length()).lookingAt()) {
                return true;
            }
        }
        return false;
    }

    private Matcher matcher(String text) {
        return pattern.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
    }

    private boolean canStartAt(String text, int index) {
        if (latinStarts != null) {
            char c = text.charAt(index);
            if (c < 256 ? !latinStarts[c] : otherStarts.indexOf(c) < 0) {
                return false;
            }
        }
        return switch (before) {
            case ANYTHING -> true;
            case NO_WORD_CHARACTER -> index == 0 || !isWord(text.charAt(index - 1));
            case LINE_START -> index == 0 || LINE_TERMINATORS.indexOf(text.charAt(index - 1)) >= 0;
        };
    }

    /** A word character of {@code \b} (without {@code UNICODE_CHARACTER_CLASS}); a surrogate is never one here. */
    private static boolean isWord(char c) {
        return c == '_' || Character.isLetterOrDigit(c);
    }
}
