package io.matterpipeline.bus.servicebus;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Messages per second through send → receive → complete, over the real SDK and the in-process emulator, by publish
 * batch size and consumer concurrency. A measurement, not a test: its name does not end in {@code Tests}, so the
 * default build skips it. Run it with
 * {@code ./mvnw -B -ntp -o -pl common test -Dtest=ServiceBusBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * and read the table from the output ({@code -Dbenchmark.messages=N} changes the messages per cell).
 */
@Tag("benchmark")
class ServiceBusBenchmark {

    private static final int[] BATCH_SIZES = {1, 10, 100};
    private static final int[] CONCURRENCIES = {1, 8, 32};
    private static final Duration WAIT = Duration.ofMinutes(5);

    @Test
    void sendReceiveComplete() {
        int messages = Integer.getInteger("benchmark.messages", 2000);
        List<String> queues = new ArrayList<>();
        queues.add("warm-up");
        for (int batch : BATCH_SIZES) {
            for (int concurrency : CONCURRENCIES) {
                queues.add(queue(batch, concurrency));
            }
        }
        try (ServiceBusEmulator emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueues(queues.toArray(String[]::new)));
             ServiceBusMessageBus bus = ServiceBusMessageBus.create(Emulators.properties(emulator))) {
            run(bus, "warm-up", messages, 10, 8);
            StringBuilder table = new StringBuilder("\n| batch size \\ consumer concurrency |");
            for (int concurrency : CONCURRENCIES) {
                table.append(' ').append(concurrency).append(" |");
            }
            table.append("\n|---|").append("---:|".repeat(CONCURRENCIES.length)).append('\n');
            for (int batch : BATCH_SIZES) {
                table.append("| ").append(batch).append(" |");
                for (int concurrency : CONCURRENCIES) {
                    double rate = run(bus, queue(batch, concurrency), messages, batch, concurrency);
                    table.append(String.format(Locale.ROOT, " %,.0f |", rate));
                    assertThat(emulator.activeMessageCount(queue(batch, concurrency))).isZero();
                }
                table.append('\n');
            }
            System.out.println("Service Bus (emulator), messages/s through send -> receive -> complete, "
                    + messages + " messages per cell:" + table);
        }
    }

    /** Consumes with the given concurrency while publishing in batches; messages/s from first send to last complete. */
    private static double run(ServiceBusMessageBus bus, String queue, int messages, int batch, int concurrency) {
        byte[] body = "{\"type\":\"page-task\",\"matterId\":\"m-bench\",\"pageBlob\":\"matters/m-bench/pages/00001.json\"}"
                .getBytes(StandardCharsets.UTF_8);
        List<List<OutboundMessage>> batches = new ArrayList<>();
        for (int start = 0; start < messages; start += batch) {
            List<OutboundMessage> chunk = new ArrayList<>();
            for (int i = start; i < Math.min(messages, start + batch); i++) {
                chunk.add(new OutboundMessage(queue + "-" + i, "page-task", body, Map.of("schemaVersion", "1")));
            }
            batches.add(chunk);
        }
        AtomicInteger completed = new AtomicInteger();
        long started = System.nanoTime();
        Mono<Void> consuming = bus.receive(queue, new ReceiveOptions(concurrency))
                .flatMap(delivery -> delivery.complete().then(Mono.fromCallable(completed::incrementAndGet)), concurrency)
                .take(messages)
                .then();
        Mono<Void> publishing = Flux.fromIterable(batches)
                .concatMap(chunk -> chunk.size() == 1 ? bus.publish(queue, chunk.get(0)) : bus.publishAll(queue, chunk))
                .then();
        Mono.when(consuming, publishing).block(WAIT);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertThat(completed).hasValue(messages);
        return messages / seconds;
    }

    private static String queue(int batch, int concurrency) {
        return "bench-b" + batch + "-c" + concurrency;
    }
}
