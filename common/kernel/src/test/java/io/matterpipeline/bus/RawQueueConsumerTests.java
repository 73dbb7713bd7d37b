package io.matterpipeline.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.bus.memory.DeadLetteredMessage;
import io.matterpipeline.bus.memory.InMemoryBusOptions;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.error.BadInputException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** The raw consumer hands bodies over undecoded and settles like {@link QueueConsumer}. */
class RawQueueConsumerTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final InMemoryMessageBus bus = InMemoryMessageBus.create(InMemoryBusOptions.defaults());

    @AfterEach
    void closeBus() {
        bus.close();
    }

    @Test
    void handsOverForeignBodiesAndDeadLettersWhatTheHandlerRefusesWithItsReason() {
        publish("a", "{\"eventType\": \"Microsoft.Storage.BlobCreated\"}");
        publish("b", "not json at all");
        List<String> seen = new CopyOnWriteArrayList<>();
        RawQueueConsumer consumer = new RawQueueConsumer(bus, "raw", ConsumerSettings.of(1), (message, attempt) -> {
            String body = new String(message.body(), StandardCharsets.UTF_8);
            seen.add(message.messageId() + ":" + body);
            return body.startsWith("{") ? Mono.empty()
                    : Mono.error(new BadInputException("malformed-event", "not an event"));
        });
        Sinks.Empty<Void> stop = Sinks.empty();

        StepVerifier.create(consumer.run(stop.asMono()))
                .then(() -> awaitDrained("raw"))
                .then(stop::tryEmitEmpty)
                .expectComplete()
                .verify(TIMEOUT);

        assertThat(seen).containsExactly("a:{\"eventType\": \"Microsoft.Storage.BlobCreated\"}", "b:not json at all");
        assertThat(bus.deadLetters("raw")).extracting(DeadLetteredMessage::messageId, DeadLetteredMessage::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("b", "malformed-event"));
    }

    private void publish(String id, String body) {
        bus.publish("raw", new OutboundMessage(id, null, body.getBytes(StandardCharsets.UTF_8), Map.of()))
                .block(TIMEOUT);
    }

    private void awaitDrained(String queue) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (bus.activeCount(queue) > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("queue " + queue + " not drained");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
