package io.matterpipeline.testkit.ollama;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code testkit ollama}: runs an {@link OllamaSimulator} until the process is stopped, printing its base URL first.
 */
@Command(name = "ollama", mixinStandardHelpOptions = true,
        description = "Runs an Ollama-compatible model simulator on 127.0.0.1 until stopped.")
public final class OllamaSimulatorCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "11434", description = "Port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--latency", defaultValue = "0ms", converter = DurationConverter.class,
            description = "Time per chat call once it has a slot, e.g. 200ms (default: ${DEFAULT-VALUE}).")
    Duration latency;

    @Option(names = "--jitter", defaultValue = "0ms", converter = DurationConverter.class,
            description = "Random extra time per call, from 0 up to this (default: ${DEFAULT-VALUE}).")
    Duration jitter;

    @Option(names = "--slots", defaultValue = "4", description = "Parallel chat calls, like OLLAMA_NUM_PARALLEL (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--max-queue", defaultValue = "512",
            description = "Calls waiting for a slot before 503, like OLLAMA_MAX_QUEUE (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of fault and jitter draws (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--num-ctx", defaultValue = "4096",
            description = "Context length when a request sends no options.num_ctx (default: ${DEFAULT-VALUE}).")
    int numCtx;

    @Option(names = "--chunk-chars", defaultValue = "20", description = "Content characters per streamed line (default: ${DEFAULT-VALUE}).")
    int chunkChars;

    @Option(names = "--error-rate", defaultValue = "0", description = "Probability of HTTP 500 per chat call (0..1).")
    double errorRate;

    @Option(names = "--busy-rate", defaultValue = "0", description = "Probability of HTTP 503 busy per chat call (0..1).")
    double busyRate;

    @Option(names = "--slow-rate", defaultValue = "0", description = "Probability of a slow answer per chat call (0..1).")
    double slowRate;

    @Option(names = "--slow-delay", defaultValue = "90s", converter = DurationConverter.class,
            description = "Extra delay of a slow answer (default: ${DEFAULT-VALUE}).")
    Duration slowDelay;

    @Option(names = "--truncate-rate", defaultValue = "0",
            description = "Probability of truncated JSON with done_reason \"length\" per chat call (0..1).")
    double truncateRate;

    @Option(names = "--schema-violation-rate", defaultValue = "0",
            description = "Probability of JSON that violates the extraction schema per chat call (0..1).")
    double schemaViolationRate;

    @Option(names = "--models", split = ",", paramLabel = "<name>",
            description = "The models the server has (e.g. llama3.1:8b,qwen2.5:7b); a call for another is answered 404 "
                    + "like an Ollama without it. Default: every name is served.")
    List<String> models = List.of();

    @Override
    public Integer call() throws InterruptedException {
        OllamaSimulatorOptions options = OllamaSimulatorOptions.builder()
                .port(port).latency(latency).jitter(jitter).slots(slots).maxQueue(maxQueue).seed(seed)
                .defaultNumCtx(numCtx).streamChunkChars(chunkChars).slowDelay(slowDelay).models(models)
                .faultRate(OllamaFault.SERVER_ERROR, errorRate)
                .faultRate(OllamaFault.BUSY, busyRate)
                .faultRate(OllamaFault.SLOW, slowRate)
                .faultRate(OllamaFault.TRUNCATED, truncateRate)
                .faultRate(OllamaFault.SCHEMA_VIOLATION, schemaViolationRate)
                .build();
        OllamaSimulator simulator = OllamaSimulator.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }, "ollama-simulator-shutdown"));
        System.out.println(simulator.baseUrl());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
