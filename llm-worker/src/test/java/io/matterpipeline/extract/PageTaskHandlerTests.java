package io.matterpipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.bus.ConsumerSettings;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.memory.InMemoryBusOptions;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PagesExtracted;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.contract.PageFailed;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.contract.Queues;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.extract.ollama.OllamaClientOptions;
import io.matterpipeline.extract.ollama.OllamaModelClients;
import io.matterpipeline.extract.route.NoEndpointException;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelFailures;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import io.matterpipeline.testkit.ollama.OllamaFault;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

/**
 * The worker end to end on loopback: the Ollama simulator as the model, the in-memory bus, the filesystem store, and
 * the real consumer, handler, extractor and Ollama adapter.
 */
class PageTaskHandlerTests {

    static final Duration WAIT = Duration.ofSeconds(60);

    static final String TEXT = """
            UNITED STATES DISTRICT COURT
            Case No. 1:23-cv-04567
            ACME CORPORATION, Plaintiff,
            v.
            BETA HOLDINGS LLC, Defendant.

            On March 3, 2023 the parties signed the supply agreement.
            The Defendant shall pay $125,000.00 to the Plaintiff by April 30, 2023.""";

    @TempDir
    Path root;

    final TestWorkerProperties properties = new TestWorkerProperties();
    OllamaSimulator simulator;
    InMemoryMessageBus bus;
    FileSystemBlobStore blobs;
    PageTaskHandler handler;
    QueueConsumer consumer;

    void start(OllamaSimulatorOptions.Builder options) {
        simulator = OllamaSimulator.start(options.build());
        properties.baseUrl = simulator.baseUrl();
        WorkerProperties worker = properties.build();
        bus = InMemoryMessageBus.create(InMemoryBusOptions.defaults());
        blobs = FileSystemBlobStore.create(root);
        ModelClient model = OllamaModelClients.create(new OllamaClientOptions(worker.model().baseUrl(),
                worker.model().name(), worker.model().numCtx(), worker.model().numPredict(),
                worker.model().temperature(), worker.model().seed(), worker.model().timeout(), worker.effectiveConcurrency(),
                false));
        handler = new PageTaskHandler(blobs, bus, new PageExtractor(model, ExtractionSchema.legal(), worker),
                new MatterSchemas(blobs, ExtractionSchema.legal(), 16), Queues.RESULTS);
        consumer = new QueueConsumer(bus, Queues.PAGES, ConsumerSettings.of(worker.effectiveConcurrency())
                .withMaxDeliveries(worker.consumer().maxDeliveries())
                .withRetryBackoff(Duration.ofMillis(5), Duration.ofMillis(20)), handler);
    }

    @AfterEach
    void stop() {
        if (consumer != null) {
            consumer.stop();
        }
        if (bus != null) {
            bus.close();
        }
        if (blobs != null) {
            blobs.close();
        }
        if (simulator != null) {
            simulator.close();
        }
    }

    static PageContent page(int pageNumber, String text) {
        return new PageContent("m1", "d1", pageNumber, 20, "pdf", text, List.of(), null, null, null,
                "tail of the page before, mentioning GAMMA INC., Intervenor, and January 5, 2020.", "");
    }

    PageTask store(PageContent page) {
        String path = BlobPaths.page(page.matterId(), page.documentId(), page.pageNumber());
        blobs.putBytes(path, MessageCodec.mapper().writeValueAsBytes(page), PutCondition.none()).block(WAIT);
        return new PageTask(page.matterId(), page.documentId(), page.pageNumber(), page.pageCount(), path);
    }

    void submit(PageContent... pages) {
        for (PageContent page : pages) {
            bus.publish(Queues.PAGES, MessageCodec.encode(store(page))).block(WAIT);
        }
    }

    /** Runs the consumer until {@code count} results arrived; returns them by page number. */
    List<PipelineMessage> results(int count) {
        consumer.start();
        // A batch of facts counts as its facts.
        List<PipelineMessage> results = bus.receive(Queues.RESULTS, ReceiveOptions.defaults())
                .concatMap(delivery -> delivery.complete().thenReturn(MessageCodec.decode(delivery.body())))
                .concatMapIterable(PagesExtracted::factsOf)
                .take(count)
                .collectList()
                .block(WAIT);
        results.sort(Comparator.comparingInt(PageTaskHandlerTests::pageNumber));
        return results;
    }

    PageExtraction extraction(PipelineMessage message) {
        assertThat(message).isInstanceOf(PageExtracted.class);
        PageExtracted extracted = (PageExtracted) message;
        assertThat(extracted.extractionBlob()).isEqualTo(BlobPaths.extraction("m1", "d1", extracted.pageNumber()));
        byte[] bytes = blobs.read(extracted.extractionBlob()).block(WAIT).bytes();
        return MessageCodec.mapper().readValue(bytes, PageExtraction.class);
    }

    static PageFailed failure(PipelineMessage message) {
        assertThat(message).isInstanceOf(PageFailed.class);
        return (PageFailed) message;
    }

    static int pageNumber(PipelineMessage message) {
        return message instanceof PageExtracted extracted ? extracted.pageNumber() : ((PageFailed) message).pageNumber();
    }

    @Test
    void pageYieldsAValidatedExtractionWhoseItemsCarryPageAndFoundQuotes() {
        start(OllamaSimulatorOptions.builder());
        submit(page(7, TEXT));

        PageExtraction extraction = extraction(results(1).get(0));

        assertThat(extraction.model()).isEqualTo(OllamaSimulator.MODEL);
        assertThat(extraction.pageNumber()).isEqualTo(7);
        assertThat(extraction.warnings()).isEmpty();
        assertThat(extraction.usage().attempts()).isEqualTo(1);
        assertThat(extraction.usage().promptTokens()).isPositive();
        assertThat(extraction.usage().outputTokens()).isPositive();
        JsonNode result = extraction.extraction();
        assertThat(result.get("caseNumbers").size()).isPositive();
        assertThat(result.get("dates").size()).isPositive();
        assertThat(result.get("amounts").size()).isPositive();
        int items = 0;
        for (String field : List.of("parties", "dates", "amounts", "caseNumbers", "obligations")) {
            for (JsonNode item : result.get(field)) {
                items++;
                assertThat(item.get("page").intValue()).isEqualTo(7);
                assertThat(item.get("quoteFound").booleanValue()).as(item.toString()).isTrue();
                assertThat(TEXT).contains(item.get("quote").stringValue());
            }
        }
        assertThat(items).isGreaterThan(3);
        assertThat(result.toString()).as("context lines are never extracted").doesNotContain("2020-01-05")
                .doesNotContain("GAMMA");
    }

    @Test
    void factsSentInABatchWhoseSendFailsLeaveTheirPageTasksToBeRetriedWithoutAnotherModelCall() {
        start(OllamaSimulatorOptions.builder());
        AtomicInteger batchSends = new AtomicInteger();
        MessageBus failingFirstBatch = new MessageBus() {
            @Override
            public Mono<Void> publish(String queue, OutboundMessage message) {
                return bus.publish(queue, message);
            }

            @Override
            public Mono<Void> publishAll(String queue, List<OutboundMessage> messages) {
                return batchSends.getAndIncrement() == 0
                        ? Mono.error(new TransientException("bus-down", "the first batch is refused"))
                        : bus.publishAll(queue, messages);
            }

            @Override
            public Flux<Delivery> receive(String queue, ReceiveOptions options) {
                return bus.receive(queue, options);
            }
        };
        WorkerProperties worker = properties.build();
        handler = new PageTaskHandler(blobs, bus, new PageExtractor(OllamaModelClients.create(new OllamaClientOptions(
                        worker.model().baseUrl(), worker.model().name(), worker.model().numCtx(),
                        worker.model().numPredict(), worker.model().temperature(), worker.model().seed(),
                        worker.model().timeout(), worker.effectiveConcurrency(), false)),
                        ExtractionSchema.legal(), worker),
                new MatterSchemas(blobs, ExtractionSchema.legal(), 16), Queues.RESULTS,
                new BatchedFactPublisher(failingFirstBatch, Queues.RESULTS, Duration.ofMillis(50), 32,
                        WorkerProperties.Facts.MIN_BATCH_BYTES.toBytes(), Schedulers.parallel()));
        consumer = new QueueConsumer(bus, Queues.PAGES, ConsumerSettings.of(worker.effectiveConcurrency())
                .withMaxDeliveries(worker.consumer().maxDeliveries())
                .withRetryBackoff(Duration.ofMillis(5), Duration.ofMillis(20)), handler);
        submit(page(1, TEXT), page(2, TEXT), page(3, TEXT));

        List<PipelineMessage> results = results(3);

        assertThat(results).extracting(PageTaskHandlerTests::pageNumber).containsExactly(1, 2, 3);
        assertThat(results).allSatisfy(result -> assertThat(result).isInstanceOf(PageExtracted.class));
        assertThat(batchSends.get()).isGreaterThanOrEqualTo(2);
        // The refused batch's pages came back and were only announced again: one model call per page.
        assertThat(simulator.stats().calls(200)).isEqualTo(3);
    }

    @Test
    void busyServerIsRetriedAndThePageExtracted() {
        start(OllamaSimulatorOptions.builder());
        simulator.faults().injectNext(OllamaFault.BUSY, 1);
        submit(page(1, TEXT));

        PageExtraction extraction = extraction(results(1).get(0));

        assertThat(extraction.usage().attempts()).isEqualTo(2);
        assertThat(simulator.stats().calls(503)).isEqualTo(1);
        assertThat(simulator.stats().calls(200)).isEqualTo(1);
    }

    @Test
    void serverFailingEveryCallEndsInPageFailedOnceTheBudgetIsSpent() {
        start(OllamaSimulatorOptions.builder().faultRate(OllamaFault.SERVER_ERROR, 1.0));
        submit(page(2, TEXT));

        PageFailed failed = failure(results(1).get(0));

        assertThat(failed.reason()).isEqualTo(ModelFailures.SERVER_ERROR);
        assertThat(failed.description()).contains("llama runner process has terminated");
        // One budget per page: its attempts, all within one delivery; a model failure never sends the page back to the
        // queue for another round of attempts.
        assertThat(simulator.stats().calls(500)).isEqualTo(properties.attempts);
        assertThat(failed.description()).contains(properties.attempts + " model call(s)");
        assertThat(blobs.stat(BlobPaths.extraction("m1", "d1", 2)).block(WAIT)).isNull();
        assertThat(bus.deadLetters(Queues.PAGES)).as("the task itself completed normally").isEmpty();
    }

    @Test
    void answerCutOffAtNumPredictIsRetried() {
        start(OllamaSimulatorOptions.builder());
        simulator.faults().injectNext(OllamaFault.TRUNCATED, 1);
        submit(page(1, TEXT));

        PageExtraction extraction = extraction(results(1).get(0));

        assertThat(extraction.usage().attempts()).isEqualTo(2);
        assertThat(simulator.stats().injected(OllamaFault.TRUNCATED)).isEqualTo(1);
    }

    @Test
    void answersCutOffEveryTimeEndInPageFailed() {
        start(OllamaSimulatorOptions.builder().faultRate(OllamaFault.TRUNCATED, 1.0));
        submit(page(1, TEXT));

        assertThat(failure(results(1).get(0)).reason()).isEqualTo(PageExtractor.OUTPUT_TRUNCATED);
        assertThat(simulator.stats().totalCalls()).isEqualTo(properties.attempts);
    }

    @Test
    void schemaViolatingAnswerIsRepairedOnTheNextTurn() {
        start(OllamaSimulatorOptions.builder());
        simulator.faults().injectNext(OllamaFault.SCHEMA_VIOLATION, 1);
        submit(page(1, TEXT));

        PageExtraction extraction = extraction(results(1).get(0));

        assertThat(extraction.usage().attempts()).isEqualTo(2);
        assertThat(extraction.warnings()).singleElement().asString().contains("repaired");
        assertThat(extraction.extraction().get("caseNumbers").get(0).get("quoteFound").booleanValue()).isTrue();
    }

    @Test
    void slowAnswerPastTheTimeoutIsRetried() {
        properties.timeout = Duration.ofMillis(1500);
        start(OllamaSimulatorOptions.builder().slowDelay(Duration.ofSeconds(20)));
        simulator.faults().injectNext(OllamaFault.SLOW, 1);
        submit(page(1, TEXT));

        PageExtraction extraction = extraction(results(1).get(0));

        assertThat(extraction.usage().attempts()).isEqualTo(2);
        assertThat(simulator.stats().injected(OllamaFault.SLOW)).isEqualTo(1);
    }

    @Test
    void promptTooLongForNumCtxFailsThePageWithoutCallingTheModel() {
        properties.numCtx = 2048;
        properties.numPredict = 512;
        start(OllamaSimulatorOptions.builder());
        submit(page(4, TEXT.repeat(20)));

        PageFailed failed = failure(results(1).get(0));

        assertThat(failed.reason()).isEqualTo(ModelFailures.PROMPT_TOO_LONG);
        assertThat(failed.description()).contains("num_ctx 2048");
        assertThat(simulator.stats().totalCalls()).isZero();
    }

    @Test
    void matterWithItsOwnSchemaIsHeldToItWhileOtherMattersKeepTheLegalSchema() {
        start(OllamaSimulatorOptions.builder());
        // The simulated model answers the legal fields only: a Matter that requires "docketSummary" never validates.
        String own = """
                {"type": "object", "required": ["docketSummary"],
                 "properties": {"docketSummary": {"type": "string"}}}""";
        blobs.putBytes(BlobPaths.matterSchema("m2"), own.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                PutCondition.none()).block(WAIT);
        PageContent legal = page(1, TEXT);
        PageContent custom = new PageContent("m2", "d1", 1, 1, "pdf", TEXT, List.of(), null, null, null, "", "");
        submit(legal, custom);

        List<PipelineMessage> results = results(2);

        PipelineMessage m1 = results.stream().filter(r -> r.matterId().equals("m1")).findFirst().orElseThrow();
        PipelineMessage m2 = results.stream().filter(r -> r.matterId().equals("m2")).findFirst().orElseThrow();
        assertThat(extraction(m1).extraction().has("parties")).isTrue();
        PageFailed failed = failure(m2);
        assertThat(failed.reason()).isEqualTo(PageExtractor.INVALID_OUTPUT);
        assertThat(failed.description()).contains("docketSummary");
        assertThat(simulator.stats().totalCalls()).as("one call for m1, 1 + repairs for m2")
                .isEqualTo(1 + 1 + properties.repairs);
    }

    @Test
    void matterWhoseSchemaIsNotAJsonSchemaObjectFailsItsPagesWithoutCallingTheModel() {
        start(OllamaSimulatorOptions.builder());
        blobs.putBytes(BlobPaths.matterSchema("m1"), "[1, 2]".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                PutCondition.none()).block(WAIT);
        submit(page(1, TEXT));

        PageFailed failed = failure(results(1).get(0));

        assertThat(failed.reason()).isEqualTo(MatterSchemas.INVALID_SCHEMA);
        assertThat(simulator.stats().totalCalls()).isZero();
    }

    @Test
    void neverMoreModelCallsInFlightThanTheConfiguredConcurrency() {
        properties.concurrency = 2;
        start(OllamaSimulatorOptions.builder().slots(8).latency(Duration.ofMillis(150)));
        PageContent[] pages = new PageContent[8];
        for (int i = 0; i < pages.length; i++) {
            pages[i] = page(i + 1, TEXT);
        }
        submit(pages);

        List<PipelineMessage> results = results(pages.length);

        assertThat(results).allSatisfy(result -> assertThat(result).isInstanceOf(PageExtracted.class));
        assertThat(results).extracting(PageTaskHandlerTests::pageNumber).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(simulator.stats().peakInFlight()).isLessThanOrEqualTo(2);
        assertThat(simulator.stats().peakQueued()).as("nothing waited inside the server").isZero();
        assertThat(simulator.stats().totalCalls()).isEqualTo(pages.length);
    }

    @Test
    void duplicateTaskOfAnExtractedPageIsAnnouncedAgainWithoutAnotherModelCall() {
        start(OllamaSimulatorOptions.builder());
        PageTask task = store(page(5, TEXT));
        MessageHandler.DeliveryAttempt first = new MessageHandler.DeliveryAttempt(0, 3);

        StepVerifier.create(handler.handle(task, first)).expectComplete().verify(WAIT);
        byte[] written = blobs.read(BlobPaths.extraction("m1", "d1", 5)).block(WAIT).bytes();
        StepVerifier.create(handler.handle(task, first)).expectComplete().verify(WAIT);

        assertThat(simulator.stats().totalCalls()).isEqualTo(1);
        assertThat(blobs.read(BlobPaths.extraction("m1", "d1", 5)).block(WAIT).bytes()).isEqualTo(written);
        List<PipelineMessage> announced = bus.receive(Queues.RESULTS, ReceiveOptions.defaults()).take(2)
                .concatMap(delivery -> delivery.complete().thenReturn(MessageCodec.decode(delivery.body())))
                .collectList().block(WAIT);
        assertThat(announced).allSatisfy(message -> assertThat(message).isInstanceOf(PageExtracted.class));
    }

    @Test
    void pagesOfACancelledMatterAreSkippedWithoutAModelCall() {
        start(OllamaSimulatorOptions.builder());
        PageTask task = store(page(6, TEXT));
        // Ingest's cancel marker; its content is not the worker's business.
        blobs.putBytes(BlobPaths.matterCancellation("m1"), "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                PutCondition.none()).block(WAIT);

        StepVerifier.create(handler.handle(task, new MessageHandler.DeliveryAttempt(0, 3)))
                .expectComplete().verify(WAIT);

        assertThat(simulator.stats().totalCalls()).isZero();
        assertThat(blobs.stat(BlobPaths.extraction("m1", "d1", 6)).block(WAIT)).isNull();
    }

    @Test
    void missingPageBlobIsNotFoundAndGivingUpPublishesPageFailed() {
        start(OllamaSimulatorOptions.builder());
        PageTask task = new PageTask("m1", "d1", 9, 20, BlobPaths.page("m1", "d1", 9));

        StepVerifier.create(handler.handle(task, new MessageHandler.DeliveryAttempt(0, 3)))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(NotFoundException.class)
                        .hasMessageContaining("does not exist"))
                .verify(WAIT);
        StepVerifier.create(handler.onGiveUp(task, "page-not-found", "gone")).expectComplete().verify(WAIT);

        PipelineMessage published = bus.receive(Queues.RESULTS, ReceiveOptions.defaults()).next()
                .flatMap(delivery -> delivery.complete().thenReturn(MessageCodec.decode(delivery.body())))
                .block(WAIT);
        assertThat(published).isEqualTo(new PageFailed("m1", "d1", 9, "page-not-found", "gone"));
        assertThat(simulator.stats().totalCalls()).isZero();
    }

    @Test
    void aPageNoEndpointTakesGoesBackToTheQueueAndItsLastDeliveryEndsInPageFailed() {
        start(OllamaSimulatorOptions.builder());
        properties.outageWait = Duration.ofMillis(50);
        // A router whose every endpoint is out refuses each call without sending it.
        ModelClient refusing = new ModelClient() {
            @Override
            public Mono<ModelReply> chat(ModelRequest request) {
                return Mono.error(new NoEndpointException(ModelFailures.UNREACHABLE, "every endpoint is out"));
            }

            @Override
            public ModelLimits limits() {
                return new ModelLimits(8192, 2048);
            }

            @Override
            public Mono<Void> probe() {
                return Mono.empty();
            }
        };
        consumer = new QueueConsumer(bus, Queues.PAGES, ConsumerSettings.of(2)
                .withMaxDeliveries(properties.maxDeliveries)
                .withRetryBackoff(Duration.ofMillis(5), Duration.ofMillis(20)),
                new PageTaskHandler(blobs, bus, new PageExtractor(refusing, ExtractionSchema.legal(), properties.build()),
                        new MatterSchemas(blobs, ExtractionSchema.legal(), 16), Queues.RESULTS));
        submit(page(8, TEXT));

        PageFailed failed = failure(results(1).get(0));

        assertThat(failed.reason()).isEqualTo(ModelFailures.UNREACHABLE);
        // Given back after each outage wait, until the queue's last delivery publishes the failure and dead-letters.
        Mono.fromCallable(() -> bus.deadLetters(Queues.PAGES))
                .filter(deadLetters -> !deadLetters.isEmpty())
                .repeatWhenEmpty(repeats -> repeats.delayElements(Duration.ofMillis(20)))
                .block(WAIT);
        assertThat(bus.deadLetters(Queues.PAGES)).singleElement()
                .satisfies(dead -> assertThat(dead.reason()).isEqualTo(ModelFailures.UNREACHABLE));
        assertThat(simulator.stats().totalCalls()).isZero();
    }

    @Test
    void crashLoopOnTheLastDeliveryEndsInPageFailed() {
        start(OllamaSimulatorOptions.builder());
        // A page blob that is not a page: poison, dead-lettered at once, and the Matter must still hear of the page.
        String path = BlobPaths.page("m1", "d1", 3);
        blobs.putBytes(path, "not json".getBytes(), PutCondition.none()).block(WAIT);
        bus.publish(Queues.PAGES, MessageCodec.encode(new PageTask("m1", "d1", 3, 20, path))).block(WAIT);

        PageFailed failed = failure(results(1).get(0));

        assertThat(failed.reason()).isEqualTo("malformed-page");
        // PageFailed is published before the task is dead-lettered: wait (bounded) for the settlement to land.
        Mono.fromCallable(() -> bus.deadLetters(Queues.PAGES))
                .filter(deadLetters -> !deadLetters.isEmpty())
                .repeatWhenEmpty(repeats -> repeats.delayElements(Duration.ofMillis(20)))
                .block(WAIT);
        assertThat(bus.deadLetters(Queues.PAGES)).hasSize(1);
    }
}
