package io.matterpipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.testkit.ollama.SimulatedExtraction;
import org.junit.jupiter.api.Test;

class ExtractionSchemaTests {

    final ExtractionSchema schema = ExtractionSchema.legal();

    @Test
    void acceptsACompleteExtraction() {
        ExtractionSchema.Verdict verdict = schema.check(PageExtractorTests.VALID);

        assertThat(verdict.errors()).isEmpty();
        assertThat(verdict.valid()).isTrue();
        assertThat(verdict.tree().get("parties").size()).isEqualTo(2);
    }

    @Test
    void acceptsWhatTheSimulatedModelAnswers() {
        ExtractionSchema.Verdict verdict = schema.check(SimulatedExtraction.fromPageText(PageExtractorTests.TEXT));

        assertThat(verdict.errors()).isEmpty();
        assertThat(verdict.tree().get("caseNumbers").size()).isPositive();
    }

    @Test
    void reportsAMissingRequiredField() {
        assertThat(schema.check(PageExtractorTests.MISSING_SUMMARY).errors())
                .singleElement().asString().contains("summary");
    }

    @Test
    void reportsAnAdditionalProperty() {
        String extra = PageExtractorTests.VALID.replace("{\"documentType\"", "{\"confidence\": 0.4, \"documentType\"");

        assertThat(schema.check(extra).errors()).singleElement().asString().contains("confidence");
    }

    @Test
    void reportsADateThatIsNotIso() {
        String usDate = PageExtractorTests.VALID.replace("\"2023-03-03\"", "\"03/03/2023\"");

        assertThat(schema.check(usDate).errors()).singleElement().asString().contains("date");
    }

    @Test
    void reportsAnAmountGivenAsText() {
        String textAmount = PageExtractorTests.VALID.replace("\"amount\": 125000", "\"amount\": \"$125,000\"");

        assertThat(schema.check(textAmount).errors()).singleElement().asString().contains("amount");
    }

    @Test
    void reportsAnItemWithoutQuote() {
        String noQuote = PageExtractorTests.VALID.replace(", \"quote\": \"Case No. 1:23-cv-04567\"", "");

        assertThat(schema.check(noQuote).errors()).singleElement().asString().contains("quote");
    }

    @Test
    void rejectsTextThatIsNotJson() {
        ExtractionSchema.Verdict verdict = schema.check("{\"documentType\": \"contr");

        assertThat(verdict.valid()).isFalse();
        assertThat(verdict.tree()).isNull();
        assertThat(verdict.errors()).singleElement().asString().startsWith("The answer is not valid JSON");
    }

    @Test
    void rejectsJsonThatIsNotAnObject() {
        assertThat(schema.check("[1, 2]").errors()).singleElement().asString().contains("JSON object");
    }

    @Test
    void checksNumbersAsJacksonTwoWouldHaveParsedThem() {
        ExtractionSchema numbers = ExtractionSchema.of("""
                {"type": "object", "properties": {
                  "count": {"type": "integer", "maximum": 3000000000},
                  "huge": {"type": "integer"},
                  "share": {"type": "number", "exclusiveMaximum": 1},
                  "flags": {"type": "array", "items": {"type": ["boolean", "null"]}, "minItems": 2}}}""");

        assertThat(numbers.check("{\"count\": 2999999999, \"huge\": 123456789012345678901234567890, "
                + "\"share\": 0.25, \"flags\": [true, null]}").errors()).isEmpty();
        assertThat(numbers.check("{\"count\": 1.5, \"share\": 1.0, \"flags\": [\"yes\"]}").errors())
                .hasSize(4).anySatisfy(error -> assertThat(error).contains("count"))
                .anySatisfy(error -> assertThat(error).contains("share"));
    }
}
