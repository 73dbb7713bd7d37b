package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.contract.MessageCodec;
import java.util.Set;
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
}
