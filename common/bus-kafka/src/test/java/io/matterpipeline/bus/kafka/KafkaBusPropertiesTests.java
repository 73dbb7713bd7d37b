package io.matterpipeline.bus.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client settings the adapter derives: Event Hubs' Kafka endpoint from a connection string, and the checks. */
class KafkaBusPropertiesTests {

    private static final String EVENT_HUBS = "Endpoint=sb://matters.servicebus.windows.net/;"
            + "SharedAccessKeyName=send-listen;SharedAccessKey=abc\"def=";

    @Test
    void anEventHubsConnectionStringGivesTheKafkaEndpointWithSaslSslPlain() {
        KafkaBusProperties properties = new KafkaBusProperties(null, EVENT_HUBS, "", true, 3, (short) 1, null, 10,
                null, 1000, null, null, 16, 10000, null, Map.of());

        Map<String, Object> config = ClientConfig.common(properties);

        assertThat(config).containsEntry("bootstrap.servers", "matters.servicebus.windows.net:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN");
        assertThat(config.get("sasl.jaas.config")).asString()
                .startsWith("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"$ConnectionString\"")
                .contains("password=\"Endpoint=sb://matters.servicebus.windows.net/;").contains("abc\\\"def=")
                .endsWith("\";");
        // Never in logs.
        assertThat(properties.toString()).doesNotContain("SharedAccessKey");
    }

    @Test
    void clientSettingsPassThroughAndPlainBrokersNeedNoSasl() {
        KafkaBusProperties properties = new KafkaBusProperties("b1:9092,b2:9092", null, "", true, 3, (short) 1, null,
                10, null, 1000, null, null, 16, 10000, null, Map.of("linger.ms", "20"));

        assertThat(ClientConfig.common(properties)).containsEntry("bootstrap.servers", "b1:9092,b2:9092")
                .containsEntry("linger.ms", "20").doesNotContainKey("security.protocol");
    }

    @Test
    void withoutBrokersOrAConnectionStringTheBusCannotBeCreated() {
        KafkaBusProperties properties = new KafkaBusProperties(null, null, "", true, 3, (short) 1, null, 10, null,
                1000, null, null, 16, 10000, null, null);

        assertThatThrownBy(() -> KafkaMessageBus.create(properties)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrap-servers");
        assertThatThrownBy(() -> ClientConfig.eventHubsBootstrap("SharedAccessKey=x"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
