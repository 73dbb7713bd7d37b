package io.matterpipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QuoteProvenanceTests {

    static final String TEXT = "The Lessee shall pay \u201Crent\u201D of $1,200\non the first  day of each month \u2013 "
            + "without demand.";

    @Test
    void exactQuoteIsFoundAtItsOffset() {
        QuoteProvenance.Match match = QuoteProvenance.exact(TEXT, "shall pay");

        assertThat(match).isEqualTo(new QuoteProvenance.Match(11, 20, "exact"));
    }

    @Test
    void fuzzyMatchFoldsCaseWhitespaceTypographicQuotesAndDashesAndMapsBackToOriginalOffsets() {
        String quote = "the lessee shall pay \"rent\" of $1,200 on the first day of each month - without demand.";

        QuoteProvenance.Match match = QuoteProvenance.Folded.of(TEXT).find(quote);

        assertThat(match).isNotNull();
        assertThat(match.kind()).isEqualTo("fuzzy");
        assertThat(TEXT.substring(match.start(), match.end())).isEqualTo(TEXT);
    }

    @Test
    void fuzzyMatchInsideTheTextMapsToTheOriginalSpan() {
        QuoteProvenance.Match match = QuoteProvenance.Folded.of(TEXT).find("$1,200 ON THE");

        assertThat(TEXT.substring(match.start(), match.end())).isEqualTo("$1,200\non the");
    }

    @Test
    void paraphraseIsNotFound() {
        assertThat(QuoteProvenance.exact(TEXT, "The tenant pays rent")).isNull();
        assertThat(QuoteProvenance.Folded.of(TEXT).find("The tenant pays rent")).isNull();
    }

    @Test
    void blankQuoteIsNeverFound() {
        assertThat(QuoteProvenance.exact(TEXT, " ")).isNull();
        assertThat(QuoteProvenance.Folded.of(TEXT).find("  ")).isNull();
    }
}
