package io.matterpipeline.standalone;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options that pick the model server (and any further Spring property), shared by the subcommands. */
final class ModelOptions {

    static final String DEFAULT_MODEL_URL = "http://localhost:11434";

    @Option(names = "--model-url", description = "Base URL of an Ollama-compatible model server. Default: "
            + DEFAULT_MODEL_URL + "; when nothing answers there, the built-in simulator is used (loudly).")
    String modelUrl;

    @Option(names = "--model", defaultValue = "llama3.1:8b", description = "Model name. Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--concurrency", defaultValue = "4",
            description = "Pages read by the model at once. Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "-D", paramLabel = "<property=value>", mapFallbackValue = "",
            description = "Any Spring property of the services, e.g. -Dmatter-pipeline.worker.retry.attempts=5.")
    Map<String, String> properties = new LinkedHashMap<>();
}
