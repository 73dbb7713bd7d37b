package io.matterpipeline.standalone;

import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.Matters;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** A running single-JVM pipeline: the Spring context of {@link StandaloneApplication}. */
final class EmbeddedPipeline implements AutoCloseable {

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
        return new EmbeddedPipeline(ContextStart.run(new SpringApplicationBuilder(StandaloneApplication.class)
                .web(web ? WebApplicationType.REACTIVE : WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                .properties(properties), "the pipeline"));
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
