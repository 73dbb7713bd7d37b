package io.matterpipeline.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class ConsumerPropertiesTests {

    @Test
    void defaultsAreWhatSpringBindsWithNothingSet() {
        ConsumerProperties defaults = ConsumerProperties.defaults();

        assertThat(defaults).isEqualTo(new ConsumerProperties(0, 10, Duration.ofMillis(200), Duration.ofSeconds(10),
                Duration.ofSeconds(30)));
        assertThat(ConsumerSettings.of(3)).isEqualTo(new ConsumerSettings(3, 0, 10, Duration.ofMillis(200),
                Duration.ofSeconds(10), Duration.ofSeconds(30)));
    }

    @Test
    void bindsTheKebabCaseNamesAndKeepsTheDefaultsOfTheOthers() {
        ConsumerProperties bound = bind(Map.of("svc.consumer.max-deliveries", "4",
                "svc.consumer.retry-backoff", "1s", "svc.consumer.max-retry-backoff", "1m"));

        assertThat(bound.toSettings(6)).isEqualTo(new ConsumerSettings(6, 0, 4, Duration.ofSeconds(1),
                Duration.ofMinutes(1), Duration.ofSeconds(30)));
    }

    @Test
    void refusesABackoffThatShrinks() {
        assertThatThrownBy(() -> bind(Map.of("svc.consumer.retry-backoff", "20s")))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessageContaining("retry-backoff <= max-retry-backoff");
    }

    private static ConsumerProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("svc.consumer", Bindable.of(ConsumerProperties.class));
    }
}
