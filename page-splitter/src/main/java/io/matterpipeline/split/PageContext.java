package io.matterpipeline.split;

/**
 * The neighbouring text stored with a page so the model sees a sentence that runs over a page break. Snippets are
 * cut at whitespace where one is near, so they do not start or end in the middle of a word.
 */
final class PageContext {

    private PageContext() {
    }

    /** The last about {@code chars} characters of {@code text}. */
    static String tail(String text, int chars) {
        if (chars <= 0 || text.isEmpty()) {
            return "";
        }
        if (text.length() <= chars) {
            return text.strip();
        }
        int start = text.length() - chars;
        if (Character.isLowSurrogate(text.charAt(start))) {
            start++;
        }
        if (!Character.isWhitespace(text.charAt(start - 1))) {
            int limit = start + chars / 2;
            for (int i = start; i < limit; i++) {
                if (Character.isWhitespace(text.charAt(i))) {
                    start = i + 1;
                    break;
                }
            }
        }
        return text.substring(start).strip();
    }

    /** The first about {@code chars} characters of {@code text}. */
    static String head(String text, int chars) {
        if (chars <= 0 || text.isEmpty()) {
            return "";
        }
        if (text.length() <= chars) {
            return text.strip();
        }
        int end = chars;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        if (!Character.isWhitespace(text.charAt(end))) {
            int limit = end - chars / 2;
            for (int i = end - 1; i > limit; i--) {
                if (Character.isWhitespace(text.charAt(i))) {
                    end = i;
                    break;
                }
            }
        }
        return text.substring(0, end).strip();
    }
}
