package io.matterpipeline.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.matterpipeline.bus.ConsumerSettings;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.TraceContext;
import io.matterpipeline.bus.memory.InMemoryBusOptions;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PagesExtracted;
import io.matterpipeline.error.BadInputException;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A page handled by a {@link QueueConsumer} with telemetry: its span continues the message's trace, what it publishes
 * continues from its span, every log line of the handling (on other threads too, and the consumer's own give-up line)
 * carries the Matter, document, page, trace and span ids, and the consumer metrics count it.
 */
class ConsumerTelemetryTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final String INCOMING = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static final PageTask TASK = new PageTask("m-7", "d-3", 41, 60, "matters/m-7/documents/d-3/pages/41.json");

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .build();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final InMemoryMessageBus bus = InMemoryMessageBus.create(InMemoryBusOptions.defaults());
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeAll
    static void propagateContext() {
        LogContext.register();
        Hooks.enableAutomaticContextPropagation();
    }

    @AfterEach
    void close() {
        ((Logger) LoggerFactory.getLogger("io.matterpipeline")).detachAppender(logs);
        bus.close();
        sdk.close();
    }

    @Test
    void aFailingPageIsOneSpanInItsTraceAndEveryLogLineNamesIt() {
        logs.start();
        ((Logger) LoggerFactory.getLogger("io.matterpipeline")).addAppender(logs);
        org.slf4j.Logger handlerLog = LoggerFactory.getLogger("io.matterpipeline.test.Handler");
        MessageHandler handler = (message, attempt) -> Mono.fromRunnable(() -> handlerLog.info("reading the page"))
                .subscribeOn(Schedulers.boundedElastic())
                .then(bus.publish("results", MessageCodec.encode(new PageExtracted("m-7", "d-3", 41, "x"))))
                .then(Mono.fromRunnable(() -> handlerLog.info("published")).publishOn(Schedulers.parallel()))
                .then(Mono.error(new BadInputException("unreadable-page", "page 41 cannot be read")));
        QueueConsumer consumer = new QueueConsumer(bus, "pages", ConsumerSettings.of(1), handler);
        consumer.observeWith(ConsumerTelemetry.of(meters, sdk));
        OutboundMessage task = MessageCodec.encode(TASK);
        bus.publish("pages", new OutboundMessage(task.messageId(), task.type(), task.body(),
                Map.of(TraceContext.PROPERTY, INCOMING))).block(TIMEOUT);

        consumer.start();
        try {
            await(() -> bus.deadLetters("pages").size() == 1);
        } finally {
            consumer.stop();
        }

        await(() -> spans.getFinishedSpanItems().size() == 1);
        SpanData span = spans.getFinishedSpanItems().get(0);
        assertThat(span.getName()).isEqualTo("pages process");
        assertThat(span.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(span.getTraceId()).isEqualTo(TraceContext.traceId(INCOMING));
        assertThat(span.getParentSpanId()).isEqualTo(TraceContext.spanId(INCOMING));
        assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span.getAttributes().get(AttributeKey.stringKey("pageNumber"))).isEqualTo("41");
        assertThat(span.getAttributes().get(AttributeKey.stringKey("matterpipeline.deadletter.reason")))
                .isEqualTo("unreadable-page");

        Delivery published = bus.receive("results", new ReceiveOptions(0)).blockFirst(TIMEOUT);
        assertThat(published.properties().get(TraceContext.PROPERTY))
                .isEqualTo("00-" + span.getTraceId() + "-" + span.getSpanId() + "-01");

        List<ILoggingEvent> lines = logs.list.stream()
                .filter(line -> line.getLoggerName().startsWith("io.matterpipeline.test")
                        || line.getFormattedMessage().contains("giving up"))
                .toList();
        assertThat(lines).hasSize(3);
        assertThat(lines).allSatisfy(line -> assertThat(line.getMDCPropertyMap()).containsAllEntriesOf(Map.of(
                LogContext.MATTER_ID, "m-7", LogContext.DOCUMENT_ID, "d-3", LogContext.PAGE_NUMBER, "41",
                LogContext.TRACE_ID, span.getTraceId(), LogContext.SPAN_ID, span.getSpanId())));

        assertThat(meters.get("matterpipeline.deadletters").tags("queue", "pages", "reason", "unreadable-page")
                .counter().count()).isEqualTo(1);
        // The handler is timed when its chain ends, which can be after the dead letter it led to is visible.
        await(() -> {
            Timer handled = meters.find("matterpipeline.handler.duration").tags("queue", "pages", "outcome", "failure")
                    .timer();
            return handled != null && handled.count() > 0;
        });
        assertThat(meters.get("matterpipeline.handler.duration").tags("queue", "pages", "outcome", "failure")
                .timer().count()).isEqualTo(1);
        assertThat(meters.get("matterpipeline.handler.in.flight").tags("queue", "pages").gauge().value()).isZero();
    }

    @Test
    void eachFactOfABatchIsHandledInItsOwnPagesTraceAndCountedAsAPage() {
        String pageOne = "00-11111111111111111111111111111111-1111111111111111-01";
        String pageTwo = "00-22222222222222222222222222222222-2222222222222222-01";
        Map<Integer, String> published = new java.util.concurrent.ConcurrentHashMap<>();
        QueueConsumer consumer = new QueueConsumer(bus, "results", ConsumerSettings.of(1), (message, attempt) ->
                Mono.deferContextual(context -> {
                    published.put(((PageExtracted) message).pageNumber(), context.get(TraceContext.PROPERTY));
                    return Mono.empty();
                }));
        consumer.observeWith(ConsumerTelemetry.of(meters, sdk));
        bus.publish("results", MessageCodec.encode(new PagesExtracted("m-7", List.of(
                new PagesExtracted.Page("d-3", 1, "x1", pageOne),
                new PagesExtracted.Page("d-4", 2, "x2", pageTwo))))).block(TIMEOUT);

        consumer.start();
        try {
            await(() -> bus.activeCount("results") == 0 && published.size() == 2);
        } finally {
            consumer.stop();
        }

        await(() -> spans.getFinishedSpanItems().size() == 3);
        List<SpanData> pages = spans.getFinishedSpanItems().stream()
                .filter(span -> span.getAttributes().get(AttributeKey.stringKey("pageNumber")) != null)
                .sorted(java.util.Comparator.comparing(span -> span.getAttributes()
                        .get(AttributeKey.stringKey("pageNumber"))))
                .toList();
        assertThat(pages).hasSize(2).allSatisfy(span -> {
            assertThat(span.getName()).isEqualTo("results process");
            assertThat(span.getKind()).isEqualTo(SpanKind.CONSUMER);
        });
        for (int i = 0; i < 2; i++) {
            String sent = i == 0 ? pageOne : pageTwo;
            SpanData span = pages.get(i);
            assertThat(span.getTraceId()).isEqualTo(TraceContext.traceId(sent));
            assertThat(span.getParentSpanId()).isEqualTo(TraceContext.spanId(sent));
            assertThat(span.getAttributes().get(AttributeKey.stringKey("documentId"))).isEqualTo("d-" + (3 + i));
            // What the fact's handling publishes continues from the fact's own span.
            assertThat(published.get(i + 1)).isEqualTo("00-" + span.getTraceId() + "-" + span.getSpanId() + "-01");
        }
        assertThat(meters.get("matterpipeline.pages").tags("outcome", "extracted").counter().count()).isEqualTo(2);
    }

    @Test
    void withoutOpenTelemetryTheTraceStillTravelsWithANewSpanIdPerHandling() {
        QueueConsumer consumer = new QueueConsumer(bus, "pages", ConsumerSettings.of(1), (message, attempt) ->
                bus.publish("results", MessageCodec.encode(new PageExtracted("m-7", "d-3", 41, "x"))));
        OutboundMessage task = MessageCodec.encode(TASK);
        bus.publish("pages", new OutboundMessage(task.messageId(), task.type(), task.body(),
                Map.of(TraceContext.PROPERTY, INCOMING))).block(TIMEOUT);

        consumer.run(Mono.delay(Duration.ofSeconds(1)).then()).blockLast(TIMEOUT);

        String onward = bus.receive("results", new ReceiveOptions(0)).blockFirst(TIMEOUT).properties()
                .get(TraceContext.PROPERTY);
        assertThat(TraceContext.traceId(onward)).isEqualTo(TraceContext.traceId(INCOMING));
        assertThat(TraceContext.spanId(onward)).isNotEqualTo(TraceContext.spanId(INCOMING));
        assertThat(TraceContext.isSampled(onward)).isTrue();
    }

    private static void await(Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + TIMEOUT);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
    }
}
