package io.matterpipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.extract.route.NoEndpointException;
import io.matterpipeline.model.ModelFailures;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.model.ModelMessage;
import io.matterpipeline.model.ModelReply;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

class PageExtractorTests {

    static final String TEXT = """
            IN THE UNITED STATES DISTRICT COURT
            Case No. 1:23-cv-04567
            ACME CORP., Plaintiff,
            v.
            BETA LLC, Defendant.
            On March 3, 2023 the parties signed the agreement. Beta shall pay $125,000.00 to Acme.""";

    static final String VALID = """
            {"documentType": "court filing",
             "parties": [{"name": "Acme Corp.", "role": "plaintiff", "quote": "ACME CORP., Plaintiff,"},
                         {"name": "Beta LLC", "role": "defendant", "quote": "BETA LLC, Defendant."}],
             "dates": [{"date": "2023-03-03", "description": "agreement signed",
                        "quote": "On March 3, 2023 the parties signed the agreement."}],
             "amounts": [{"amount": 125000, "currency": "USD", "description": "payment",
                          "quote": "Beta shall pay $125,000.00 to Acme."}],
             "caseNumbers": [{"value": "1:23-cv-04567", "quote": "Case No. 1:23-cv-04567"}],
             "obligations": [{"party": "Beta LLC", "obligation": "pay Acme",
                              "quote": "Beta shall pay $125,000.00 to Acme."}],
             "summary": "Caption of a complaint."}""";

    static final String MISSING_SUMMARY = VALID.replace(",\n \"summary\": \"Caption of a complaint.\"", "");

    final TestWorkerProperties properties = new TestWorkerProperties();

    static PageContent page(String text) {
        return new PageContent("m1", "d1", 3, 5, "pdf", text, List.of(), null, null, null,
                "previous page tail", "next page head");
    }

    PageExtractor extractor(ScriptedModel model) {
        return new PageExtractor(model, ExtractionSchema.legal(), properties.build());
    }

    static ScriptedModel model() {
        return new ScriptedModel(new ModelLimits(8192, 2048));
    }

    /** How reading a page ended: its extraction, or the extractor's verdict that it cannot be read. */
    record Outcome(PageExtraction extraction, PageFailedException failure) {
    }

    /** A failed page as the worker reports it in PageFailed. */
    record Failed(String reason, String description) {
    }

    static PageExtraction extracted(Outcome outcome) {
        assertThat(outcome.failure()).isNull();
        return outcome.extraction();
    }

    static Failed failed(Outcome outcome) {
        assertThat(outcome.failure()).isNotNull();
        return failed(outcome.failure());
    }

    static Failed failed(Throwable failure) {
        assertThat(failure).isInstanceOf(PageFailedException.class);
        PageFailedException verdict = (PageFailedException) failure;
        return new Failed(verdict.reason(), verdict.getMessage());
    }

    Outcome run(ScriptedModel model, PageContent page) {
        return extractor(model).extract(page)
                .map(extraction -> new Outcome(extraction, null))
                .onErrorResume(PageFailedException.class, failure -> Mono.just(new Outcome(null, failure)))
                .block(Duration.ofSeconds(10));
    }

    @Test
    void validAnswerIsAcceptedWithPageProvenanceOnEveryItem() {
        ScriptedModel model = model().thenAnswer(VALID);

        PageExtraction extraction = extracted(run(model, page(TEXT)));

        assertThat(extraction.model()).isEqualTo("scripted");
        assertThat(extraction.usage()).isEqualTo(new PageExtraction.Usage(100, 50, 7, 1));
        assertThat(extraction.warnings()).isEmpty();
        for (String field : List.of("parties", "dates", "amounts", "caseNumbers", "obligations")) {
            for (JsonNode item : extraction.extraction().get(field)) {
                assertThat(item.get("page").intValue()).isEqualTo(3);
                assertThat(item.get("quoteFound").booleanValue()).as(field).isTrue();
                assertThat(item.get("quoteMatch").stringValue()).isEqualTo("exact");
                assertThat(item.has("quoteConfidence")).as("no OCR words on this page").isFalse();
            }
        }
        List<ModelMessage> sent = model.requests.get(0).messages();
        assertThat(model.requests.get(0).responseSchema()).isEqualTo(ExtractionSchema.legal().text());
        assertThat(sent.get(0).role()).isEqualTo(ModelMessage.Role.SYSTEM);
        assertThat(sent.get(0).content()).contains("verbatim").contains("\"additionalProperties\"");
        assertThat(sent.get(1).content()).isEqualTo("<context-before>\nprevious page tail\n</context-before>\n"
                + "<page number=\"3\">\n" + TEXT + "\n</page>\n<context-after>\nnext page head\n</context-after>");
    }

    @Test
    void quoteThatIsNotInThePageIsFlaggedWithAWarning() {
        String invented = VALID.replace("\"BETA LLC, Defendant.\"", "\"Beta LLC, the defendant herein\"");
        PageExtraction extraction = extracted(run(model().thenAnswer(invented), page(TEXT)));

        JsonNode beta = extraction.extraction().get("parties").get(1);
        assertThat(beta.get("quoteFound").booleanValue()).isFalse();
        assertThat(beta.has("quoteMatch")).isFalse();
        assertThat(extraction.extraction().get("parties").get(0).get("quoteFound").booleanValue()).isTrue();
        assertThat(extraction.warnings()).singleElement().asString()
                .contains("parties[1]").contains("not found").contains("Beta LLC, the defendant herein");
    }

    @Test
    void quoteDifferingOnlyInCaseAndWhitespaceIsFoundFuzzily() {
        String loose = VALID.replace("\"ACME CORP., Plaintiff,\"", "\"acme corp.,   plaintiff, v.\"");
        PageExtraction extraction = extracted(run(model().thenAnswer(loose), page(TEXT)));

        JsonNode acme = extraction.extraction().get("parties").get(0);
        assertThat(acme.get("quoteFound").booleanValue()).isTrue();
        assertThat(acme.get("quoteMatch").stringValue()).isEqualTo("fuzzy");
        assertThat(extraction.warnings()).isEmpty();
    }

    @Test
    void ocrPageItemsCarryTheMeanConfidenceOfTheWordsUnderTheirQuote() {
        String text = "Case No. 1:23-cv-04567";
        List<PageContent.Word> words = List.of(new PageContent.Word("Case", 0.9, 0),
                new PageContent.Word("No.", 0.5, 5), new PageContent.Word("1:23-cv-04567", 0.7, 9));
        PageContent ocr = new PageContent("m1", "d1", 1, 1, "analyze-result", text, words, 0.7, 0.5, 0.33, "", "");
        String answer = """
                {"documentType": "court filing", "parties": [], "dates": [], "amounts": [],
                 "caseNumbers": [{"value": "1:23-cv-04567", "quote": "No. 1:23-cv-04567"}],
                 "obligations": [], "summary": "A case number."}""";

        PageExtraction extraction = extracted(run(model().thenAnswer(answer), ocr));

        JsonNode item = extraction.extraction().get("caseNumbers").get(0);
        assertThat(item.get("quoteConfidence").doubleValue()).isEqualTo(0.6);
        assertThat(item.get("page").intValue()).isEqualTo(1);
    }

    @Test
    void schemaViolationIsShownToTheModelAndRepaired() {
        ScriptedModel model = model().thenAnswer(MISSING_SUMMARY).thenAnswer(VALID);

        PageExtraction extraction = extracted(run(model, page(TEXT)));

        assertThat(extraction.usage().attempts()).isEqualTo(2);
        assertThat(extraction.usage().promptTokens()).isEqualTo(200);
        assertThat(extraction.warnings()).anySatisfy(warning -> assertThat(warning).contains("repaired"));
        List<ModelMessage> repair = model.requests.get(1).messages();
        assertThat(repair).hasSize(4);
        assertThat(repair.get(2)).isEqualTo(ModelMessage.assistant(MISSING_SUMMARY));
        assertThat(repair.get(3).role()).isEqualTo(ModelMessage.Role.USER);
        assertThat(repair.get(3).content()).contains("summary");
    }

    @Test
    void answerThatIsNotJsonIsRepaired() {
        ScriptedModel model = model().thenAnswer("Sure! Here is the JSON: {").thenAnswer(VALID);

        PageExtraction extraction = extracted(run(model, page(TEXT)));

        assertThat(extraction.usage().attempts()).isEqualTo(2);
        assertThat(model.requests.get(1).messages().get(3).content()).contains("not valid JSON");
    }

    @Test
    void answerStillInvalidAfterTheRepairBudgetFailsThePage() {
        ScriptedModel model = model().thenAnswer(MISSING_SUMMARY).thenAnswer(MISSING_SUMMARY)
                .thenAnswer(MISSING_SUMMARY);

        Failed failure = failed(run(model, page(TEXT)));

        assertThat(failure.reason()).isEqualTo(PageExtractor.INVALID_OUTPUT);
        assertThat(failure.description()).contains("3 model call(s)").contains("summary");
        assertThat(model.requests).hasSize(1 + properties.repairs);
    }

    @Test
    void answerCutOffAtNumPredictIsAFailedCallAndRetriedFresh() {
        ScriptedModel model = model()
                .then(request -> Mono.just(ScriptedModel.reply(VALID.substring(0, 40), ModelReply.DoneReason.LENGTH, 100)))
                .thenAnswer(VALID);

        PageExtraction extraction = extracted(run(model, page(TEXT)));

        assertThat(extraction.usage().attempts()).isEqualTo(2);
        assertThat(model.requests.get(1).messages()).as("a fresh conversation, not a repair").hasSize(2);
    }

    @Test
    void answersCutOffOnEveryAttemptFailThePage() {
        ScriptedModel model = model();
        for (int i = 0; i < properties.attempts; i++) {
            model.then(request -> Mono.just(ScriptedModel.reply("{\"documentType\": \"co", ModelReply.DoneReason.LENGTH,
                    100)));
        }

        Failed failure = failed(run(model, page(TEXT)));

        assertThat(failure.reason()).isEqualTo(PageExtractor.OUTPUT_TRUNCATED);
        assertThat(model.requests).hasSize(properties.attempts);
    }

    @Test
    void transientFailuresAreRetriedWithBackoffUntilTheBudgetIsSpent() {
        properties.firstBackoff = Duration.ofSeconds(1);
        properties.maxBackoff = Duration.ofSeconds(10);
        ScriptedModel model = model();
        for (int i = 0; i < properties.attempts; i++) {
            model.thenFail(new TransientException(ModelFailures.BUSY, "HTTP 503: server busy"));
        }
        PageExtractor extractor = extractor(model);

        StepVerifier.withVirtualTime(() -> extractor.extract(page(TEXT)))
                .expectSubscription()
                .then(() -> assertThat(model.requests).hasSize(1))
                .thenAwait(Duration.ofMillis(400))
                .then(() -> assertThat(model.requests).as("no retry before the backoff, even with jitter")
                        .hasSize(1))
                .thenAwait(Duration.ofMinutes(1))
                .expectErrorSatisfies(error -> {
                    assertThat(failed(error).reason()).isEqualTo(ModelFailures.BUSY);
                    assertThat(failed(error).description()).contains("3 model call(s)");
                })
                .verify(Duration.ofSeconds(10));
        assertThat(model.requests).hasSize(properties.attempts);
    }

    @Test
    void aPageNeverCostsMoreModelCallsThanItsBudget() {
        // The worst case: every attempt's answers need every repair, and the last repair fails in a way that may pass.
        ScriptedModel model = model();
        for (int attempt = 0; attempt < properties.attempts; attempt++) {
            for (int repair = 0; repair < properties.repairs; repair++) {
                model.thenAnswer(MISSING_SUMMARY);
            }
            model.thenFail(new TransientException(ModelFailures.SERVER_ERROR, "HTTP 500: runner terminated"));
        }
        model.thenAnswer(VALID);

        Failed failure = failed(run(model, page(TEXT)));

        int budget = properties.build().retry().maxModelCalls();
        assertThat(budget).isEqualTo(properties.attempts * (1 + properties.repairs)).isEqualTo(9);
        assertThat(model.requests).hasSize(budget);
        assertThat(failure.reason()).isEqualTo(ModelFailures.SERVER_ERROR);
        assertThat(failure.description()).contains(budget + " model call(s)");
    }

    @Test
    void callsTheRouterRefusedCostNothingAndThePageWaitsForAnEndpoint() {
        ScriptedModel model = model();
        for (int i = 0; i < 2 * properties.attempts; i++) {
            model.thenFail(new NoEndpointException(ModelFailures.UNREACHABLE, "every endpoint is out"));
        }
        model.thenAnswer(VALID);

        PageExtraction extraction = extracted(run(model, page(TEXT)));

        assertThat(model.requests).hasSize(2 * properties.attempts + 1);
        assertThat(extraction.usage().attempts()).as("model calls: only the one a model answered").isEqualTo(1);
    }

    @Test
    void aPageRefusedForLongerThanTheOutageWaitIsGivenBackWithoutHavingCostAModelCall() {
        properties.firstBackoff = Duration.ofSeconds(1);
        properties.maxBackoff = Duration.ofSeconds(10);
        properties.outageWait = Duration.ofMinutes(2);
        ScriptedModel model = model();
        for (int i = 0; i < 100; i++) {
            model.thenFail(new NoEndpointException(ModelFailures.UNREACHABLE, "every endpoint is out"));
        }
        PageExtractor extractor = extractor(model);

        StepVerifier.withVirtualTime(() -> extractor.extract(page(TEXT)))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(100))
                .then(() -> assertThat(model.requests).as("still waiting within the outage wait").hasSizeBetween(8, 30))
                .thenAwait(Duration.ofMinutes(1))
                // Not the page's verdict: the refusal itself, for the consumer to give the page back to the queue.
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(NoEndpointException.class)
                        .hasMessage("every endpoint is out"))
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void transientFailureThenSuccessIsExtracted() {
        ScriptedModel model = model()
                .thenFail(new TransientException(ModelFailures.TIMEOUT, "no answer"))
                .thenAnswer(VALID);

        assertThat(extracted(run(model, page(TEXT))).usage().attempts()).isEqualTo(2);
    }

    @Test
    void promptThatCannotFitTheContextFailsBeforeAnyCall() {
        ScriptedModel model = new ScriptedModel(new ModelLimits(1024, 512));

        Failed failure = failed(run(model, page(TEXT.repeat(8))));

        assertThat(failure.reason()).isEqualTo(ModelFailures.PROMPT_TOO_LONG);
        assertThat(failure.description()).contains("num_ctx 1024").contains("never cut silently");
        assertThat(model.requests).isEmpty();
    }

    @Test
    void serverReportingAFullContextCutThePromptAndFailsThePageWithoutRetry() {
        ScriptedModel model = model()
                .then(request -> Mono.just(ScriptedModel.reply(VALID, ModelReply.DoneReason.STOP, 8192)));

        Failed failure = failed(run(model, page(TEXT)));

        assertThat(failure.reason()).isEqualTo(ModelFailures.PROMPT_TOO_LONG);
        assertThat(failure.description()).contains("cut the prompt");
        assertThat(model.requests).hasSize(1);
    }

    @Test
    void serverReportingFarFewerPromptTokensThanThePageHasCutThePrompt() {
        ScriptedModel model = model()
                .then(request -> Mono.just(ScriptedModel.reply(VALID, ModelReply.DoneReason.STOP, 10)));

        assertThat(failed(run(model, page(TEXT.repeat(10)))).reason()).isEqualTo(ModelFailures.PROMPT_TOO_LONG);
    }

    @Test
    void missingModelFailsThePageAtOnce() {
        ScriptedModel model = model()
                .thenFail(new NotFoundException(ModelFailures.MODEL_NOT_FOUND, "model 'x' not found"));

        assertThat(failed(run(model, page(TEXT))).reason()).isEqualTo(ModelFailures.MODEL_NOT_FOUND);
        assertThat(model.requests).hasSize(1);
    }

    @Test
    void unexpectedErrorPropagatesForTheConsumerToRedeliver() {
        ScriptedModel model = model().thenFail(new IllegalStateException("bug"));

        StepVerifier.create(extractor(model).extract(page(TEXT)))
                .expectErrorMessage("bug")
                .verify(Duration.ofSeconds(10));
    }
}
