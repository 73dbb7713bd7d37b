package io.matterpipeline.bus.servicebus;

import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import java.time.Duration;

/** Adapter settings for an in-process emulator: quick retries so that failure tests stay short. */
final class Emulators {

    private Emulators() {
    }

    /** The SDK waits retry-delay + 4 s before re-creating a link, hence max-retry-delay 5 s. */
    static ServiceBusProperties properties(ServiceBusEmulator emulator) {
        return ServiceBusProperties.ofConnectionString(emulator.connectionString())
                .withRetries(3, Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(10))
                .withReconnect(Duration.ofMillis(200), Duration.ofSeconds(1))
                .withDeadLetterReplay(Duration.ofSeconds(1), 1000, Duration.ZERO);
    }
}
