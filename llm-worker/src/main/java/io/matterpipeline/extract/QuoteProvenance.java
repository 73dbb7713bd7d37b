package io.matterpipeline.extract;

import io.matterpipeline.contract.PageContent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks every extracted item's {@code quote} against the page text and records what it found on the item itself:
 * <ul>
 *   <li>{@code page}: the page number the item came from;</li>
 *   <li>{@code quoteFound}: whether the quote is in the page text — verbatim, or after folding case, whitespace runs,
 *       typographic quotes and dashes;</li>
 *   <li>{@code quoteMatch}: {@code exact} or {@code fuzzy} when found;</li>
 *   <li>{@code quoteConfidence}: for OCR pages, the mean recognition confidence of the words under the quote.</li>
 * </ul>
 * An item whose quote is not in the text is kept but flagged, and a warning names it: the model may have paraphrased
 * or invented it, and no reader should take it as verified.
 *
 * <p>Items are the objects inside the top-level arrays of the extraction that have a string {@code quote}, so the
 * check works for any extraction schema that follows that convention.
 */
final class QuoteProvenance {

    private static final int QUOTE_IN_WARNING = 80;

    private QuoteProvenance() {
    }

    /** Annotates the items of {@code extraction} in place; returns the warnings. */
    static List<String> annotate(ObjectNode extraction, PageContent page) {
        List<String> warnings = new ArrayList<>();
        Folded folded = null;
        for (Map.Entry<String, JsonNode> field : extraction.properties()) {
            if (!field.getValue().isArray()) {
                continue;
            }
            int index = 0;
            for (JsonNode element : field.getValue()) {
                if (element instanceof ObjectNode item && item.path("quote").isString()) {
                    String quote = item.path("quote").stringValue();
                    Match match = exact(page.text(), quote);
                    if (match == null) {
                        folded = folded == null ? Folded.of(page.text()) : folded;
                        match = folded.find(quote);
                    }
                    item.put("page", page.pageNumber());
                    item.put("quoteFound", match != null);
                    if (match == null) {
                        warnings.add(field.getKey() + "[" + index + "]: quote not found in the text of page "
                                + page.pageNumber() + ": \"" + shorten(quote) + "\"");
                    } else {
                        item.put("quoteMatch", match.kind());
                        Double confidence = meanConfidence(page.words(), match.start(), match.end());
                        if (confidence != null) {
                            item.put("quoteConfidence", Math.round(confidence * 1000) / 1000.0);
                        }
                    }
                }
                index++;
            }
        }
        return warnings;
    }

    /** Where a quote lies in the page text, {@code [start, end)}. */
    record Match(int start, int end, String kind) {
    }

    static Match exact(String text, String quote) {
        if (quote.isBlank()) {
            return null;
        }
        int at = text.indexOf(quote);
        return at < 0 ? null : new Match(at, at + quote.length(), "exact");
    }

    /** Mean confidence of the OCR words overlapping {@code [start, end)}; null when none do. */
    static Double meanConfidence(List<PageContent.Word> words, int start, int end) {
        double sum = 0;
        int count = 0;
        for (PageContent.Word word : words) {
            int wordEnd = word.offset() + word.content().length();
            if (word.offset() < end && wordEnd > start) {
                sum += word.confidence();
                count++;
            }
        }
        return count == 0 ? null : sum / count;
    }

    private static String shorten(String quote) {
        return quote.length() <= QUOTE_IN_WARNING ? quote : quote.substring(0, QUOTE_IN_WARNING) + "...";
    }

    /**
     * Text folded for a forgiving comparison, remembering for each folded character where it came from, so a match
     * maps back to the original offsets (which the OCR word offsets refer to).
     */
    static final class Folded {

        private final String text;
        private final int[] origin;

        private Folded(String text, int[] origin) {
            this.text = text;
            this.origin = origin;
        }

        static Folded of(String original) {
            StringBuilder folded = new StringBuilder(original.length());
            int[] origin = new int[original.length()];
            boolean pendingSpace = false;
            for (int i = 0; i < original.length(); i++) {
                char c = original.charAt(i);
                if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                    pendingSpace = folded.length() > 0;
                    continue;
                }
                if (c == '\u00AD') {
                    continue; // soft hyphen: invisible in the rendered page, often absent from the model's copy
                }
                if (pendingSpace) {
                    origin[folded.length()] = i - 1;
                    folded.append(' ');
                    pendingSpace = false;
                }
                origin[folded.length()] = i;
                folded.append(fold(c));
            }
            return new Folded(folded.toString(), origin);
        }

        Match find(String quote) {
            String needle = Folded.of(quote).text;
            if (needle.isEmpty()) {
                return null;
            }
            int at = text.indexOf(needle);
            if (at < 0) {
                return null;
            }
            return new Match(origin[at], origin[at + needle.length() - 1] + 1, "fuzzy");
        }

        private static char fold(char c) {
            return switch (c) {
                case '\u2018', '\u2019', '\u201A', '\u201B', '\u2032', '`', '\u00B4' -> '\'';
                case '\u201C', '\u201D', '\u201E', '\u201F', '\u2033', '\u00AB', '\u00BB' -> '"';
                case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212' -> '-';
                default -> Character.toLowerCase(c);
            };
        }
    }
}
