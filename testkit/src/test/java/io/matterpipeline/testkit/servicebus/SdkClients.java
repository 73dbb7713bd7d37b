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
        return new ServiceBusClientBuilder().connectionString(emulator.connectionString())
                .retryOptions(new AmqpRetryOptions().setTryTimeout(Duration.ofSeconds(10)).setMaxRetries(3)
                        .setDelay(Duration.ofMillis(100)).setMaxDelay(Duration.ofSeconds(10)));
    }
}
