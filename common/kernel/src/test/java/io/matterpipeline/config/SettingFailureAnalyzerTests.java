package io.matterpipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** A service that cannot start for a setting says which one, in one report, without a stack trace. */
@ExtendWith(OutputCaptureExtension.class)
class SettingFailureAnalyzerTests {

    static final String MISSING = "Set matter-pipeline.bus.servicebus.connection-string or "
            + "matter-pipeline.bus.servicebus.fully-qualified-namespace";

    @Test
    void aServiceMissingASettingReportsItInsteadOfAStackTrace(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(NeedsASetting.class).web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "logging.structured.format.console=").run())
                .hasRootCauseMessage(MISSING);

        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains(MISSING)
                .contains("Correct the setting")
                .doesNotContain("Application run failed")
                .doesNotContain("\tat org.springframework");
    }

    @Test
    void otherFailuresAreLeftToSpringBoot() {
        SettingFailureAnalyzer analyzer = new SettingFailureAnalyzer();

        assertThat(analyzer.analyze(new IllegalStateException("Connection refused"))).isNull();
        assertThat(analyzer.analyze(new RuntimeException("wrapped", new IllegalArgumentException(
                "matter-pipeline.worker.concurrency must be >= 1, was 0"))).getDescription())
                .isEqualTo("matter-pipeline.worker.concurrency must be >= 1, was 0");
    }

    @Configuration(proxyBeanMethods = false)
    static class NeedsASetting {

        @Bean
        String bus() {
            throw new IllegalArgumentException(MISSING);
        }
    }
}
