package io.matterpipeline.assemble;

import java.math.BigDecimal;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The identity of an extracted item for deduplication: every field except the quote (and the configured
 * per-occurrence fields), with text case-folded, whitespace collapsed and numbers normalised, so "ACME Corp." on page 1
 * and "Acme  Corp." on page 7 are one party, and "$1,000.00" equals "$1000".
 */
final class MergeKey {

    /** Fields that hold where an item was found, never what it is. */
    static final Set<String> PROVENANCE_FIELDS = Set.of("quote", "quotes", "pages", "documents");

    private static final Pattern NUMBER = Pattern.compile("\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?|\\d+(?:\\.\\d+)?");

    private final Set<String> ignoredFields;

    MergeKey(Set<String> ignoredFields) {
        this.ignoredFields = Set.copyOf(ignoredFields);
    }

    /**
     * Fields that describe one occurrence of an item (its page, whether its quote was found, the OCR confidence under
     * it): they move from the merged item into its {@code quotes} entries.
     */
    Set<String> occurrenceFields() {
        return ignoredFields;
    }

    /**
     * The key of an array element. An object is keyed by its identifying fields; when it has none (only a quote), by
     * its quote, so quote-only items are not all merged into one.
     */
    String ofItem(JsonNode item) {
        if (item.isObject()) {
            StringBuilder key = new StringBuilder("{");
            for (Map.Entry<String, JsonNode> field : sortedFields(item).entrySet()) {
                if (PROVENANCE_FIELDS.contains(field.getKey()) || ignoredFields.contains(field.getKey())) {
                    continue;
                }
                appendField(key, field.getKey(), field.getValue());
            }
            if (key.length() == 1) {
                appendField(key, "quote", item.path("quote"));
            }
            return key.append('}').toString();
        }
        return ofValue(item);
    }

    /** The key of any JSON value; empty for null, missing and blank values. */
    String ofValue(JsonNode value) {
        StringBuilder key = new StringBuilder();
        append(key, value);
        return key.toString();
    }

    /** Case-folded, whitespace-collapsed text with numbers in plain form ("1,000.50" → "1000.5"). */
    static String normaliseText(String text) {
        // Every item of every page passes here: ASCII (NFKC leaves it as it is) and digit-free text skip the costly
        // steps, and whitespace is collapsed in one pass, with the same result as the general path.
        String folded = (isAscii(text) ? text : Normalizer.normalize(text, Normalizer.Form.NFKC))
                .toLowerCase(Locale.ROOT);
        if (!hasDigit(folded)) {
            return collapseWhitespace(folded);
        }
        Matcher numbers = NUMBER.matcher(folded);
        StringBuilder out = new StringBuilder(folded.length());
        while (numbers.find()) {
            numbers.appendReplacement(out, Matcher.quoteReplacement(normaliseNumber(numbers.group().replace(",", ""))));
        }
        numbers.appendTail(out);
        return collapseWhitespace(out);
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@link #NUMBER} can match: each of its forms starts with {@code \d}, which is {@code [0-9]}. */
    private static boolean hasDigit(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                return true;
            }
        }
        return false;
    }

    /** {@code WHITESPACE.matcher(text).replaceAll(" ").trim()}: runs of {@code \s} as one space, then trimmed. */
    private static String collapseWhitespace(CharSequence text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean inRun = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean space = c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
            if (!space) {
                out.append(c);
            } else if (!inRun) {
                out.append(' ');
            }
            inRun = space;
        }
        return out.toString().trim();
    }

    private void append(StringBuilder key, JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return;
        }
        if (value.isObject()) {
            key.append('{');
            for (Map.Entry<String, JsonNode> field : sortedFields(value).entrySet()) {
                appendField(key, field.getKey(), field.getValue());
            }
            key.append('}');
        } else if (value.isArray()) {
            key.append('[');
            for (JsonNode element : value.values()) {
                append(key, element);
                key.append(',');
            }
            key.append(']');
        } else if (value.isNumber()) {
            key.append('#').append(normaliseNumber(value.decimalValue().toPlainString()));
        } else if (value.isBoolean()) {
            key.append(value.booleanValue());
        } else {
            String text = normaliseText(value.asString());
            if (!text.isEmpty()) {
                // Quoted, with the delimiters escaped, so different field layouts cannot produce the same key.
                key.append('"').append(text.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        }
    }

    private void appendField(StringBuilder key, String name, JsonNode value) {
        StringBuilder valueKey = new StringBuilder();
        append(valueKey, value);
        if (valueKey.isEmpty() || "{}".contentEquals(valueKey) || "[]".contentEquals(valueKey)) {
            return; // absent, null, blank and empty are the same fact: "not stated"
        }
        key.append('"').append(name).append("\":").append(valueKey).append(';');
    }

    private static Map<String, JsonNode> sortedFields(JsonNode object) {
        Map<String, JsonNode> sorted = new TreeMap<>();
        object.forEachEntry(sorted::put);
        return sorted;
    }

    private static String normaliseNumber(String digits) {
        try {
            return new BigDecimal(digits).stripTrailingZeros().toPlainString();
        } catch (NumberFormatException e) {
            return digits;
        }
    }
}
