package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.contract.MessageCodec;
import java.math.BigDecimal;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class MergeKeyTests {

    private final MergeKey keys = new MergeKey(Set.of("confidence"));

    private static JsonNode json(String text) {
        return MessageCodec.mapper().readTree(text);
    }

    @Test
    void caseWhitespaceAndNumberFormattingDoNotDistinguishItems() {
        assertThat(keys.ofItem(json("{\"name\":\"ACME  Corp.\",\"amount\":\"$1,000.00\",\"quote\":\"a\"}")))
                .isEqualTo(keys.ofItem(json("{\"amount\":\"$1000\",\"name\":\" acme corp. \",\"quote\":\"b\"}")));
        assertThat(keys.ofItem(json("{\"value\":2.50}"))).isEqualTo(keys.ofItem(json("{\"value\":2.5}")));
    }

    @Test
    void quoteAndIgnoredFieldsDoNotDistinguishButOtherFieldsDo() {
        assertThat(keys.ofItem(json("{\"name\":\"A\",\"quote\":\"x\",\"confidence\":0.5}")))
                .isEqualTo(keys.ofItem(json("{\"name\":\"A\",\"quote\":\"y\",\"confidence\":0.9}")));
        assertThat(keys.ofItem(json("{\"name\":\"A\",\"role\":\"plaintiff\"}")))
                .isNotEqualTo(keys.ofItem(json("{\"name\":\"A\",\"role\":\"defendant\"}")));
        assertThat(keys.ofItem(json("{\"name\":\"1000\"}"))).isNotEqualTo(keys.ofItem(json("{\"name\":1000}")));
    }

    @Test
    void absentNullAndBlankAreTheSame() {
        assertThat(keys.ofItem(json("{\"name\":\"A\",\"role\":null}")))
                .isEqualTo(keys.ofItem(json("{\"name\":\"A\",\"role\":\"  \"}")))
                .isEqualTo(keys.ofItem(json("{\"name\":\"A\"}")));
    }

    @Test
    void quoteOnlyItemsAreKeyedByTheirQuote() {
        assertThat(keys.ofItem(json("{\"quote\":\"first\"}"))).isNotEqualTo(keys.ofItem(json("{\"quote\":\"second\"}")));
    }

    @Test
    void normalisesText() {
        assertThat(MergeKey.normaliseText("  The  SUM of\tUSD 1,250,000.50 ")).isEqualTo("the sum of usd 1250000.5");
        assertThat(MergeKey.normaliseText("2024-03-05")).isEqualTo(MergeKey.normaliseText("2024-03-5"));
    }

    @Test
    void textIsNormalisedAsByTheGeneralRulesWhateverShortcutItTakes() {
        List<String> texts = List.of("", "   ", "ACME  Corp.", " Acme\tCorp.\n", "a\u000Bb\fc\rd", "\u0001 x \u0002",
                "$1,000.00 and 2.50", "no digits here", "ＡＣＭＥ　Ｃｏｒｐ. １，０００", "Café 3,5", "x\u00A0y",
                "Case No. 1:23-cv-04567", "0.000", "12,34,567");
        for (String text : texts) {
            assertThat(MergeKey.normaliseText(text)).as(text).isEqualTo(generalRules(text));
        }
    }

    /** The rules as written before the shortcuts: NFKC, lower case, plain numbers, whitespace collapsed, trimmed. */
    private static String generalRules(String text) {
        String folded = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        Matcher numbers = Pattern.compile("\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?|\\d+(?:\\.\\d+)?").matcher(folded);
        StringBuilder out = new StringBuilder();
        while (numbers.find()) {
            String digits = numbers.group().replace(",", "");
            numbers.appendReplacement(out, Matcher.quoteReplacement(
                    new BigDecimal(digits).stripTrailingZeros().toPlainString()));
        }
        numbers.appendTail(out);
        return Pattern.compile("\\s+").matcher(out).replaceAll(" ").trim();
    }
}
