package io.matterpipeline.assemble.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.bus.DeadLetterSweepSettings;
import io.matterpipeline.bus.Delivery;
import io.matterpipeline.bus.ReceiveOptions;
import io.matterpipeline.bus.servicebus.ServiceBusMessageBus;
import io.matterpipeline.bus.servicebus.ServiceBusProperties;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageFailed;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.testkit.servicebus.QueueOptions;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorOptions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sweep over a real broker: the Service Bus emulator driven by the production adapter. */
class DeadLetterSweepTests {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private ServiceBusEmulator emulator;
    private ServiceBusMessageBus bus;

    @BeforeEach
    void start() {
        emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueue(QueueOptions.named("documents"))
                .withQueue(QueueOptions.named("pages").withMaxDeliveryCount(2))
                .withQueue(QueueOptions.named("results")));
        bus = ServiceBusMessageBus.create(ServiceBusProperties.ofConnectionString(emulator.connectionString()));
    }

    @AfterEach
    void stop() {
        bus.close();
        emulator.close();
    }

    @Test
    void workTheBrokerDeadLetteredBecomesAFailureFactOnce() {
        PageTask task = new PageTask("m-1", "d-1", 4, 9, "matters/m-1/documents/d-1/pages/00004.json");
        bus.publish("pages", MessageCodec.encode(task)).block(WAIT);
        // A worker dying on the page on every delivery: each delivery ends unsettled (here: abandoned) until the
        // broker moves the message after its max delivery count, without any handler having reported it.
        for (int delivery = 0; delivery < 2; delivery++) {
            bus.receive("pages", ReceiveOptions.defaults()).next().flatMap(Delivery::abandon).block(WAIT);
        }
        assertThat(emulator.deadLetterMessageCount("pages")).isEqualTo(1);
        DeadLetterSweep sweep = new DeadLetterSweep(bus, bus, List.of("documents", "pages"), "results", null,
                new DeadLetterSweepSettings(true, Duration.ofSeconds(30), 100, 1000));

        assertThat(sweep.sweep().block(WAIT)).isEqualTo(1L);

        Delivery published = bus.receive("results", ReceiveOptions.defaults()).next().block(WAIT);
        published.complete().block(WAIT);
        PipelineMessage fact = MessageCodec.decode(published.body());
        assertThat(fact).isInstanceOf(PageFailed.class);
        PageFailed failed = (PageFailed) fact;
        assertThat(failed.messageId()).isEqualTo("page-failed:m-1:d-1:4");
        assertThat(failed.reason()).isEqualTo("MaxDeliveryCountExceeded");
        assertThat(failed.description()).contains("pages");
        // Reported once; the dead letter itself stays for the operator.
        assertThat(sweep.sweep().block(WAIT)).isZero();
        assertThat(emulator.deadLetterMessageCount("pages")).isEqualTo(1);
    }
}
