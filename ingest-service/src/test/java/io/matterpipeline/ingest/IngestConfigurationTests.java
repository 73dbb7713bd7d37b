package io.matterpipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.bus.RawQueueConsumer;
import io.matterpipeline.config.PipelineInfrastructureAutoConfiguration;
import io.matterpipeline.ingest.access.Caller;
import io.matterpipeline.ingest.access.Scope;
import io.matterpipeline.ingest.access.TokenService;
import io.matterpipeline.ingest.matter.Matters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.web.server.WebFilter;

/** The ingest wiring as the standalone jar uses it: the admin token from the environment, beans per application type. */
class IngestConfigurationTests {

    private static final String ADMIN = "from-the-environment-0123456789abcdef";

    @TempDir
    Path root;

    @Test
    void theBootstrapAdminTokenComesFromTheEnvironmentVariable() {
        new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PipelineInfrastructureAutoConfiguration.class,
                        WebFluxAutoConfiguration.class, CodecsAutoConfiguration.class))
                .withUserConfiguration(IngestConfiguration.class)
                .withPropertyValues("matter-pipeline.blob.filesystem.root=" + root)
                // What the process environment holds, exactly as the operating system passes it.
                .withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME
                                + "-test", Map.of("MATTER_PIPELINE_ADMIN_TOKEN", ADMIN))))
                .run(context -> {
                    // The web side is wired: the access filter (beside the request-trace filter) guards the API.
                    assertThat(context).hasNotFailed().hasBean("ingestAccessFilter")
                            .hasSingleBean(RawQueueConsumer.class);
                    assertThat(context.getBeansOfType(WebFilter.class)).containsOnlyKeys("ingestAccessFilter",
                            "ingestRequestTrace");
                    Caller admin = context.getBean(TokenService.class).authenticate(ADMIN).block(Duration.ofSeconds(5));
                    assertThat(admin.tokenId()).isEqualTo(TokenService.BOOTSTRAP_ID);
                    assertThat(admin.scopes()).containsExactly(Scope.TOKENS_ADMIN);
                    assertThat(admin.allTenants()).isTrue();
                });
    }

    @Test
    void aTooShortAdminTokenFailsStartup() {
        new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PipelineInfrastructureAutoConfiguration.class,
                        WebFluxAutoConfiguration.class, CodecsAutoConfiguration.class))
                .withUserConfiguration(IngestConfiguration.class)
                .withPropertyValues("matter-pipeline.blob.filesystem.root=" + root,
                        "matter-pipeline.admin-token=short")
                .run(context -> assertThat(context).hasFailed());
    }

    @Test
    void withoutAWebServerThereAreNoTokensButTheServiceAndTheRequestConsumer() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PipelineInfrastructureAutoConfiguration.class))
                .withUserConfiguration(IngestConfiguration.class)
                .withPropertyValues("matter-pipeline.blob.filesystem.root=" + root)
                .run(context -> assertThat(context).hasNotFailed()
                        .hasSingleBean(Matters.class)
                        .hasSingleBean(RawQueueConsumer.class)
                        .doesNotHaveBean(TokenService.class));
    }

    @Test
    void aWebhookWithoutAWayToAuthenticateEventGridFailsStartup() {
        ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(PipelineInfrastructureAutoConfiguration.class,
                        WebFluxAutoConfiguration.class, CodecsAutoConfiguration.class))
                .withUserConfiguration(IngestConfiguration.class)
                .withPropertyValues("matter-pipeline.blob.filesystem.root=" + root,
                        "matter-pipeline.ingest.trigger.enabled=true");
        runner.run(context -> assertThat(context).hasFailed().getFailure()
                .hasStackTraceContaining("webhook-secret"));
        runner.withPropertyValues("matter-pipeline.ingest.trigger.webhook-audience=api://hook")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("matter-pipeline.ingest.auth.entra.issuer"));
        runner.withPropertyValues("matter-pipeline.ingest.trigger.webhook-secret=too-short")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("at least 24"));
        runner.withPropertyValues("matter-pipeline.ingest.trigger.webhook-secret=long-enough-secret-0123456789")
                .run(context -> assertThat(context).hasNotFailed());
        // A queue-only trigger needs no webhook credentials.
        runner.withPropertyValues("matter-pipeline.ingest.trigger.webhook-enabled=false")
                .run(context -> assertThat(context).hasNotFailed());
    }
}
