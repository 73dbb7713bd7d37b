package io.matterpipeline.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

class LogContextTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @BeforeAll
    static void propagateContext() {
        LogContext.register();
        Hooks.enableAutomaticContextPropagation();
    }

    @Test
    void theFieldsAreInTheMdcOnEveryThreadOfTheChainAndGoneFromTheThreadAfterwards() {
        Scheduler single = Schedulers.newSingle("log-context-test");
        try {
            Mono<Map<String, String>> mdc = Mono.fromCallable(LogContextTests::mdc);
            Map<String, String> hopped = mdc.subscribeOn(single)
                    .contextWrite(context -> LogContext.write(context, Map.of(LogContext.PAGE_NUMBER, "41")))
                    .contextWrite(context -> LogContext.write(context,
                            Map.of(LogContext.MATTER_ID, "m-7", LogContext.PAGE_NUMBER, "40")))
                    .block(TIMEOUT);
            assertThat(hopped).containsEntry(LogContext.MATTER_ID, "m-7").containsEntry(LogContext.PAGE_NUMBER, "41");

            Map<String, String> after = mdc.subscribeOn(single).block(TIMEOUT);
            assertThat(after).doesNotContainKeys(LogContext.MATTER_ID, LogContext.PAGE_NUMBER);
        } finally {
            single.dispose();
        }
    }

    private static Map<String, String> mdc() {
        return Optional.ofNullable(MDC.getCopyOfContextMap()).orElse(Map.of());
    }
}
