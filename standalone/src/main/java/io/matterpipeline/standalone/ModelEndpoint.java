package io.matterpipeline.standalone;

import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import io.matterpipeline.extract.ollama.OllamaModelClients;
import java.io.PrintStream;
import java.time.Duration;

/**
 * The model server a run uses. An explicit {@code --model-url} must answer; without one, the default local Ollama is
 * tried and, when nothing answers there, the built-in simulator starts on loopback: the command works on a fresh
 * machine, says so loudly, and the result records the model as {@code simulated} (the simulator reports that name),
 * so simulated output is never passed off as real.
 */
final class ModelEndpoint implements AutoCloseable {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    private static final int PROBE_ATTEMPTS = 2;

    private final String baseUrl;
    private final OllamaSimulator simulator;

    private ModelEndpoint(String baseUrl, OllamaSimulator simulator) {
        this.baseUrl = baseUrl;
        this.simulator = simulator;
    }

    /**
     * Resolves the endpoint.
     *
     * @throws IllegalStateException when an explicit URL does not answer
     */
    static ModelEndpoint resolve(String explicitUrl, PrintStream err) {
        if (explicitUrl != null) {
            if (!answers(explicitUrl)) {
                throw new IllegalStateException("The model server at " + explicitUrl + " does not answer "
                        + "(GET /api/version). Start it, or omit --model-url to use the built-in simulator.");
            }
            return new ModelEndpoint(explicitUrl, null);
        }
        if (answers(ModelOptions.DEFAULT_MODEL_URL)) {
            return new ModelEndpoint(ModelOptions.DEFAULT_MODEL_URL, null);
        }
        OllamaSimulator simulator = OllamaSimulator.start(OllamaSimulatorOptions.defaults());
        err.println();
        err.println("************************************************************************************");
        err.println("  No model server answers at " + ModelOptions.DEFAULT_MODEL_URL + ".");
        err.println("  Using the BUILT-IN SIMULATOR: extractions are pattern matches, not a real model.");
        err.println("  The result records the model as \"simulated\". Pass --model-url for a real model.");
        err.println("************************************************************************************");
        err.println();
        return new ModelEndpoint(simulator.baseUrl(), simulator);
    }

    String baseUrl() {
        return baseUrl;
    }

    boolean isSimulated() {
        return simulator != null;
    }

    @Override
    public void close() {
        if (simulator != null) {
            simulator.close();
        }
    }

    /** Whether the server answers; tried a few times, so a busy machine's slow first call is not taken for "down". */
    private static boolean answers(String baseUrl) {
        for (int attempt = 0; attempt < PROBE_ATTEMPTS; attempt++) {
            if (Boolean.TRUE.equals(OllamaModelClients.answers(baseUrl, PROBE_TIMEOUT).block())) {
                return true;
            }
        }
        return false;
    }
}
