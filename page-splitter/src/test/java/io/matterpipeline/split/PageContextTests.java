package io.matterpipeline.split;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PageContextTests {

    @Test
    void theTailStartsAtAWordAndTheHeadEndsAtOne() {
        String text = "The lessee shall pay the monthly rent on the first day";

        assertThat(PageContext.tail(text, 20)).isEqualTo("on the first day");
        assertThat(PageContext.head(text, 18)).isEqualTo("The lessee shall");
        assertThat(PageContext.head(text, 20)).isEqualTo("The lessee shall pay");
    }

    @Test
    void shortTextIsWholeAndNothingIsNothing() {
        assertThat(PageContext.tail("  brief  ", 20)).isEqualTo("brief");
        assertThat(PageContext.head("", 20)).isEmpty();
        assertThat(PageContext.tail("anything", 0)).isEmpty();
    }

    @Test
    void aSingleLongWordIsCutRatherThanDropped() {
        String word = "x".repeat(100);

        assertThat(PageContext.tail(word, 10)).hasSize(10);
        assertThat(PageContext.head(word, 10)).hasSize(10);
    }

    @Test
    void aSurrogatePairIsNeverCut() {
        String text = "\uD83D\uDE00".repeat(10);

        assertThat(PageContext.tail(text, 5)).isEqualTo("\uD83D\uDE00".repeat(2));
        assertThat(PageContext.head(text, 5)).isEqualTo("\uD83D\uDE00".repeat(2));
    }
}
