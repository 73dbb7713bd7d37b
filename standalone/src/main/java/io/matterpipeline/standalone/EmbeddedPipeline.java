package io.matterpipeline.standalone;

import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.config.PipelineProperties;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.Matters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.NestedExceptionUtils;
import reactor.core.publisher.Mono;

/** A running single-JVM pipeline: the Spring context of {@link StandaloneApplication}. */
final class EmbeddedPipeline implements AutoCloseable {

    /** How long the broker has to answer before the pipeline takes documents. */
    private static final Duration BUS_PROBE_TIMEOUT = Duration.ofSeconds(20);

    private final ConfigurableApplicationContext context;

    private EmbeddedPipeline(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /**
     * Starts the pipeline.
     *
     * @param web whether to serve the HTTP API
     * @param settings the settings that differ from the defaults
     */
    static EmbeddedPipeline start(boolean web, Settings settings) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("spring.application.name", "matter-pipeline");
        // PDFBox warns about every substituted font while extracting text; that is noise for a user.
        properties.put("logging.level.org.apache.pdfbox", "ERROR");
        properties.put("matter-pipeline.worker.model.base-url", settings.modelUrl());
        properties.put("matter-pipeline.worker.model.name", settings.model());
        properties.put("matter-pipeline.worker.concurrency", settings.concurrency());
        if (settings.blobConnectionString() != null) {
            properties.put("matter-pipeline.blob.type", "azure");
            properties.put("matter-pipeline.blob.azure.connection-string", settings.blobConnectionString());
        } else {
            properties.put("matter-pipeline.blob.type", "filesystem");
            properties.put("matter-pipeline.blob.filesystem.root", settings.dataDir().toString());
        }
        if (settings.logFile() != null) {
            // The console belongs to the progress bar: details go to the log file, warnings to both.
            properties.put("logging.file.name", settings.logFile().toString());
            properties.put("logging.threshold.console", "WARN");
        }
        properties.putAll(settings.extra());
        EmbeddedPipeline pipeline = new EmbeddedPipeline(ContextStart.run(
                new SpringApplicationBuilder(StandaloneApplication.class)
                        .web(web ? WebApplicationType.REACTIVE : WebApplicationType.NONE)
                        .bannerMode(Banner.Mode.OFF)
                        .logStartupInfo(false)
                        .properties(properties), "the pipeline"));
        pipeline.requireBus();
        return pipeline;
    }

    /**
     * Checks the broker answers for the first queue ({@link MessageBus#probe}) before any document is taken: a broker
     * that is not there would otherwise cost every upload its send timeout and end the job in a timeout minutes later.
     * The in-memory bus always answers.
     */
    private void requireBus() {
        String queue = bean(PipelineProperties.class).queues().documents();
        try {
            bean(MessageBus.class).probe(queue)
                    .timeout(BUS_PROBE_TIMEOUT, Mono.error(() -> new IllegalStateException("no answer within "
                            + BUS_PROBE_TIMEOUT.toSeconds() + " s")))
                    .block();
        } catch (RuntimeException unreachable) {
            close();
            throw new CommandFailure("the message bus does not answer for queue '" + queue + "': "
                    + NestedExceptionUtils.getMostSpecificCause(unreachable).getMessage() + " (is the broker "
                    + "running, with the pipeline's queues?)", unreachable);
        }
    }

    Matters matters() {
        return context.getBean(Matters.class);
    }

    /** The tenant the command line acts for: {@code matter-pipeline.ingest.default-tenant}. */
    String tenant() {
        return context.getBean(IngestProperties.class).defaultTenant();
    }

    <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
    }

    /**
     * @param dataDir root of the filesystem blob store (ignored with a blob connection string)
     * @param blobConnectionString an Azure Storage connection string, or null for the filesystem store
     * @param logFile where the services log, or null for the console
     * @param extra further Spring properties
     */
    record Settings(String modelUrl, String model, int concurrency, Path dataDir, String blobConnectionString,
            Path logFile, Map<String, Object> extra) {
    }
}
