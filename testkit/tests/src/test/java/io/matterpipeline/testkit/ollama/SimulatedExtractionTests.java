package io.matterpipeline.testkit.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class SimulatedExtractionTests {

    static final String COURT_FILING = "IN THE SUPERIOR COURT OF EXAMPLE COUNTY\n"
            + "Matter No. 2024-CV-01873\n"
            + "ACME HOLDINGS LLC, Plaintiff,\n"
            + "v.\n"
            + "JOHN Q. SAMPLE, Defendant.\n"
            + "\n"
            + "COMPLAINT FOR DAMAGES\n"
            + "Plaintiff filed this complaint on 03/15/2024 and seeks damages of USD 5,000. Defendant must answer\n"
            + "within 21 days. Related: Case No. 1:23-cv-04567.\n";

    static final String CONTRACT = "SHARE PURCHASE AGREEMENT\n"
            + "This Agreement is made by and between ACME HOLDINGS LLC, a Delaware limited liability company "
            + "(\"Seller\"), and BETA CORP (\"Buyer\"), dated March 15, 2024.\n"
            + "2. Price. The Buyer shall pay the Purchase Price of $1,250,000.00 to the Seller no later than "
            + "2024-04-30. A handling fee of EUR 300 applies.\n";

    @Test
    void courtFilingYieldsCaptionPartiesCaseNumbersDatesAmountsAndObligations() {
        JsonNode result = SimulatorClient.json(SimulatedExtraction.fromPageText(COURT_FILING));

        assertThat(result.get("documentType").stringValue()).isEqualTo("court filing");
        assertThat(values(result, "parties", "name")).containsExactly("ACME HOLDINGS LLC", "JOHN Q. SAMPLE");
        assertThat(values(result, "parties", "role")).containsExactly("plaintiff", "defendant");
        assertThat(values(result, "caseNumbers", "value")).containsExactly("2024-CV-01873", "1:23-cv-04567");
        assertThat(values(result, "dates", "date")).containsExactly("2024-03-15");
        assertThat(values(result, "dates", "description")).containsExactly("filing date");
        assertThat(result.get("amounts").get(0).get("amount").asLong()).isEqualTo(5000L);
        assertThat(result.get("amounts").get(0).get("currency").stringValue()).isEqualTo("USD");
        assertThat(values(result, "obligations", "party")).containsExactly("Defendant");
        assertThat(values(result, "obligations", "obligation")).containsExactly("must answer within 21 days");
        assertThat(result.get("summary").stringValue())
                .startsWith("Court filing in matter 2024-CV-01873 between ACME HOLDINGS LLC (plaintiff)")
                .hasSizeLessThanOrEqualTo(240);
        assertQuotesAreVerbatim(result, COURT_FILING);
    }

    @Test
    void contractYieldsPartiesFromBetweenClauseAndNormalisedDatesAndAmounts() {
        JsonNode result = SimulatorClient.json(SimulatedExtraction.fromPageText(CONTRACT));

        assertThat(result.get("documentType").stringValue()).isEqualTo("contract");
        assertThat(values(result, "parties", "name")).containsExactly("ACME HOLDINGS LLC", "BETA CORP");
        assertThat(values(result, "parties", "role")).containsExactly("seller", "buyer");
        assertThat(values(result, "dates", "date")).containsExactly("2024-03-15", "2024-04-30");
        assertThat(values(result, "amounts", "currency")).containsExactly("USD", "EUR");
        assertThat(result.get("amounts").get(0).get("amount").isNumber()).isTrue();
        assertThat(result.get("amounts").get(0).get("amount").asDouble()).isEqualTo(1_250_000.0);
        assertThat(result.get("amounts").get(1).get("amount").asDouble()).isEqualTo(300.0);
        assertThat(values(result, "obligations", "party")).containsExactly("Buyer");
        assertThat(result.get("obligations").get(0).get("quote").stringValue())
                .isEqualTo("The Buyer shall pay the Purchase Price of $1,250,000.00 to the Seller no later than "
                        + "2024-04-30.");
        assertThat(result.get("caseNumbers")).isEmpty();
        assertQuotesAreVerbatim(result, CONTRACT);
    }

    @Test
    void answersHaveExactlyTheSchemaFieldsInOrder() {
        JsonNode result = SimulatorClient.json(SimulatedExtraction.fromPageText(CONTRACT));

        assertThat(fieldNames(result)).containsExactly("documentType", "parties", "dates", "amounts", "caseNumbers",
                "obligations", "summary");
        assertThat(fieldNames(result.get("parties").get(0))).containsExactly("name", "role", "quote");
        assertThat(fieldNames(result.get("dates").get(0))).containsExactly("date", "description", "quote");
        assertThat(fieldNames(result.get("amounts").get(0))).containsExactly("amount", "currency", "description",
                "quote");
        assertThat(fieldNames(result.get("obligations").get(0))).containsExactly("party", "obligation", "quote");
        assertThat(fieldNames(SimulatorClient.json(SimulatedExtraction.fromPageText(COURT_FILING))
                .get("caseNumbers").get(0))).containsExactly("value", "quote");
    }

    @Test
    void sameTextGivesTheSameAnswer() {
        assertThat(SimulatedExtraction.fromPageText(COURT_FILING)).isEqualTo(SimulatedExtraction.fromPageText(COURT_FILING));
        assertThat(SimulatedExtraction.fromPageText(CONTRACT)).isEqualTo(SimulatedExtraction.fromPageText(CONTRACT));
    }

    @Test
    void allThreeDateFormatsAreNormalisedAndRepeatsDeduplicated() {
        String page = "Signed 2024-03-15. Hearing set for 04/02/2024. Due by May 7, 2024; see also 03/15/2024.";

        JsonNode result = SimulatorClient.json(SimulatedExtraction.fromPageText(page));

        assertThat(values(result, "dates", "date")).containsExactly("2024-03-15", "2024-04-02", "2024-05-07");
    }

    @Test
    void invalidCalendarDatesAreNotReported() {
        JsonNode result = SimulatorClient.json(SimulatedExtraction.fromPageText("Dated 2024-02-30 and 13/45/2024."));

        assertThat(result.get("dates")).isEmpty();
    }

    @Test
    void contextBlocksAreIgnoredAndOnlyThePageIsExtracted() {
        String userMessage = "Extract the facts of page 2.\n"
                + "<context-before>Case No. 2020-CV-00001 dated 2020-01-01, the Lessor shall pay EUR 999.</context-before>\n"
                + "<page number=\"2\">\n" + CONTRACT + "</page>\n"
                + "<context-after>JOHN DOE, Defendant. Due 2030-12-31.</context-after>";

        assertThat(SimulatedExtraction.pageTextOf(userMessage)).isEqualTo("\n" + CONTRACT);
        assertThat(SimulatedExtraction.fromUserMessage(userMessage)).isEqualTo(SimulatedExtraction.fromPageText("\n" + CONTRACT));
        JsonNode result = SimulatorClient.json(SimulatedExtraction.fromUserMessage(userMessage));
        assertThat(values(result, "dates", "date")).doesNotContain("2020-01-01", "2030-12-31");
        assertThat(values(result, "caseNumbers", "value")).isEmpty();
        assertThat(values(result, "parties", "name")).doesNotContain("JOHN DOE");
    }

    @Test
    void withoutPageTagTheWholeMessageIsThePage() {
        assertThat(SimulatedExtraction.pageTextOf(COURT_FILING)).isEqualTo(COURT_FILING);
    }

    @Test
    void emptyPageGivesEmptyListsAndAnUnknownType() {
        JsonNode result = SimulatorClient.json(SimulatedExtraction.fromPageText(""));

        assertThat(result.get("documentType").stringValue()).isEqualTo("unknown");
        assertThat(result.get("parties")).isEmpty();
        assertThat(result.get("obligations")).isEmpty();
        assertThat(result.get("summary").stringValue()).isNotBlank();
    }

    private static void assertQuotesAreVerbatim(JsonNode result, String page) {
        for (String list : List.of("parties", "dates", "amounts", "caseNumbers", "obligations")) {
            for (JsonNode item : result.get(list)) {
                assertThat(page).as("quote of %s", list).contains(item.get("quote").stringValue());
            }
        }
    }

    private static List<String> values(JsonNode result, String list, String field) {
        List<String> values = new ArrayList<>();
        result.get(list).forEach(item -> values.add(item.get(field).asString()));
        return values;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.propertyNames().forEach(names::add);
        return names;
    }
}
