package io.matterpipeline.bus.kafka;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;

/** The Kafka client settings shared by producer, consumers and admin client: where, and how to authenticate. */
final class ClientConfig {

    /** The port of Event Hubs' Kafka endpoint. */
    static final int EVENT_HUBS_KAFKA_PORT = 9093;

    private ClientConfig() {
    }

    static Map<String, Object> common(KafkaBusProperties properties) {
        Map<String, Object> config = new HashMap<>();
        String bootstrap = properties.bootstrapServers();
        if (properties.connectionString() != null) {
            if (bootstrap == null) {
                bootstrap = eventHubsBootstrap(properties.connectionString());
            }
            config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
            config.put(SaslConfigs.SASL_MECHANISM, "PLAIN");
            config.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule "
                    + "required username=\"$ConnectionString\" password=\""
                    + properties.connectionString().replace("\\", "\\\\").replace("\"", "\\\"") + "\";");
        }
        if (bootstrap == null) {
            throw new IllegalArgumentException("Set matter-pipeline.bus.kafka.bootstrap-servers or "
                    + "matter-pipeline.bus.kafka.connection-string");
        }
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.putAll(properties.client());
        return config;
    }

    /**
     * {@code NS.servicebus.windows.net:9093} from {@code Endpoint=sb://NS.servicebus.windows.net/;...}.
     *
     * @throws IllegalArgumentException when the connection string has no {@code Endpoint}
     */
    static String eventHubsBootstrap(String connectionString) {
        for (String part : connectionString.split(";")) {
            int equals = part.indexOf('=');
            if (equals > 0 && part.substring(0, equals).trim().toLowerCase(Locale.ROOT).equals("endpoint")) {
                String host = part.substring(equals + 1).trim()
                        .replaceFirst("^[a-zA-Z]+://", "")
                        .replaceFirst("/.*$", "")
                        .replaceFirst(":\\d+$", "");
                if (!host.isEmpty()) {
                    return host + ":" + EVENT_HUBS_KAFKA_PORT;
                }
            }
        }
        throw new IllegalArgumentException("The Event Hubs connection string has no Endpoint=sb://<namespace>/");
    }
}
