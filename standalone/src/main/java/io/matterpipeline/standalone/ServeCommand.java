package io.matterpipeline.standalone;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs the HTTP API and the pipeline in one JVM until the process is stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the ingest HTTP API with the four services in one JVM.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8080", description = "HTTP port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--address", defaultValue = "127.0.0.1",
            description = "Address to bind. Default: ${DEFAULT-VALUE} (loopback only).")
    String address;

    @Option(names = "--data-dir", defaultValue = "data",
            description = "Root of the filesystem blob store. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(names = "--blob", paramLabel = "<connection string>",
            description = "Use Azure Blob Storage (or Azurite) instead of the local filesystem store.")
    String blobConnectionString;

    @Mixin
    ModelOptions modelOptions;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65_535) {
            throw new CommandFailure("--port must be within 0..65535, was " + port);
        }
        Files.createDirectories(dataDir);
        ModelEndpoint endpoint = ModelEndpoint.resolve(modelOptions.modelUrl, modelOptions.model, System.err);
        Map<String, Object> web = new java.util.LinkedHashMap<>(modelOptions.properties);
        web.put("server.port", port);
        web.put("server.address", address);
        EmbeddedPipeline.Settings settings = new EmbeddedPipeline.Settings(endpoint.baseUrl(), modelOptions.model,
                modelOptions.concurrency, dataDir, blobConnectionString, null, web);
        EmbeddedPipeline pipeline;
        try {
            pipeline = EmbeddedPipeline.start(true, settings);
        } catch (RuntimeException refused) {
            endpoint.close();
            throw refused;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            pipeline.close();
            endpoint.close();
            stopped.countDown();
        }, "matter-pipeline-shutdown"));
        System.err.printf("matter-pipeline serving on http://%s:%d/v1/matters (model %s at %s)%n", address, port,
                modelOptions.model, endpoint.baseUrl());
        if (System.getenv("MATTER_PIPELINE_ADMIN_TOKEN") == null) {
            System.err.println("Every /v1 request needs a bearer token: set MATTER_PIPELINE_ADMIN_TOKEN (24+ characters)"
                    + " to bootstrap an admin token, then create scoped tokens with POST /v1/tokens (docs/api.md).");
        }
        stopped.await();
        return 0;
    }
}
