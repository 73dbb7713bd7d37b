package io.matterpipeline.testkit.servicebus;

import java.time.Duration;

import com.azure.core.amqp.AmqpRetryOptions;
import com.azure.messaging.servicebus.ServiceBusClientBuilder;

/** Service Bus SDK builders pointed at an emulator, with tight but safe timeouts for tests. */
final class SdkClients {

    private SdkClients() {
    }

    /**
     * The SDK waits at least delay + 4 s (its server-busy wait) between retries and requires max delay to be above
     * that, so max delay stays at 10 s.
     */
    static ServiceBusClientBuilder builder(ServiceBusEmulator emulator) {
        return builder(emulator.connectionString());
    }

    /** A builder for an emulator known by its connection string (one running in another process). */
    static ServiceBusClientBuilder builder(String connectionString) {
        return new ServiceBusClientBuilder().connectionString(connectionString)
                .retryOptions(new AmqpRetryOptions().setTryTimeout(Duration.ofSeconds(10)).setMaxRetries(3)
                        .setDelay(Duration.ofMillis(100)).setMaxDelay(Duration.ofSeconds(10)));
    }
}
