package io.matterpipeline.testkit.servicebus;

import java.time.Duration;

import com.azure.core.amqp.AmqpRetryOptions;
import com.azure.messaging.servicebus.ServiceBusClientBuilder;

/** Service Bus SDK builders pointed at an emulator, with tight but safe timeouts for tests. */
final class SdkClients {

    private SdkClients() {
    }

    static ServiceBusClientBuilder builder(ServiceBusEmulator emulator) {
        return new ServiceBusClientBuilder().connectionString(emulator.connectionString())
                .retryOptions(new AmqpRetryOptions().setTryTimeout(Duration.ofSeconds(10)).setMaxRetries(3)
                        .setDelay(Duration.ofMillis(500)).setMaxDelay(Duration.ofSeconds(2)));
    }
}
