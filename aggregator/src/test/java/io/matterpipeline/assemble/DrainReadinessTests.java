package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.bus.QueueConsumer;
import io.matterpipeline.telemetry.OperationalDefaults;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What SIGTERM does (the JVM's shutdown hook closes the application context): readiness turns to refusing traffic
 * while the queue consumer is still running, so a probe routes around the instance during the whole drain. The
 * service as it runs (its defaults, a real web server on loopback), on the in-memory bus.
 */
class DrainReadinessTests {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path blobs;

    @Test
    void readinessRefusesTrafficBeforeTheConsumerStopsDraining() throws Exception {
        SpringApplication application = new SpringApplication(AggregatorApplication.class);
        application.setDefaultProperties(OperationalDefaults.forService(AggregatorApplication.NAME));
        // Whether the consumer was still running at each readiness change.
        List<String> changes = new CopyOnWriteArrayList<>();
        ConfigurableApplicationContext context = application.run("--server.port=0",
                "--matter-pipeline.blob.filesystem.root=" + blobs);
        QueueConsumer consumer = context.getBean(QueueConsumer.class);
        context.addApplicationListener((ApplicationListener<AvailabilityChangeEvent<?>>) event -> {
            if (event.getState() instanceof ReadinessState state) {
                changes.add(state + (consumer.isRunning() ? " consumer running" : " consumer stopped"));
            }
        });
        String port = context.getEnvironment().getProperty("local.server.port");
        assertThat(readiness(port)).isEqualTo(200);
        assertThat(consumer.isRunning()).isTrue();

        context.close();

        assertThat(changes).containsExactly("REFUSING_TRAFFIC consumer running");
        assertThat(consumer.isRunning()).isFalse();
    }

    private static int readiness(String port) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
