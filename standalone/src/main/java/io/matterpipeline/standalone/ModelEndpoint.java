package io.matterpipeline.standalone;

import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import io.matterpipeline.extract.ollama.OllamaModelClients;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * The model server a run uses. An explicit {@code --model-url} must answer and have the model ({@code --model});
 * without one, the default local Ollama is tried and, when nothing answers there or it lacks the model, the built-in
 * simulator starts on loopback: the command works on a fresh machine, says so loudly, and the result records the
 * model as {@code simulated} (the simulator reports that name), so simulated output is never passed off as real.
 * Checking the model first turns "not pulled" into one clear message before any document is read, where every page's
 * call would otherwise be answered 404 and the Matter end FAILED with {@code model-not-found} on each page.
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
     * Resolves the endpoint for {@code model}.
     *
     * @throws CommandFailure when an explicit URL does not answer, or answers without the model
     */
    static ModelEndpoint resolve(String explicitUrl, String model, PrintStream err) {
        return resolve(explicitUrl, ModelOptions.DEFAULT_MODEL_URL, model, err);
    }

    /** {@link #resolve(String, String, PrintStream)} with the URL tried when none is given. */
    static ModelEndpoint resolve(String explicitUrl, String defaultUrl, String model, PrintStream err) {
        if (explicitUrl != null) {
            if (!answers(explicitUrl)) {
                throw new CommandFailure("The model server at " + explicitUrl + " does not answer "
                        + "(GET /api/version). Start it, or omit --model-url to use the built-in simulator.");
            }
            String missing = missingModel(explicitUrl, model);
            if (missing != null) {
                throw new CommandFailure("The model server at " + explicitUrl + " " + missing + ". Pull it "
                        + "there (ollama pull " + model + "), or name one of its models with --model.");
            }
            return new ModelEndpoint(explicitUrl, null);
        }
        String why;
        String fix;
        if (answers(defaultUrl)) {
            String missing = missingModel(defaultUrl, model);
            if (missing == null) {
                return new ModelEndpoint(defaultUrl, null);
            }
            // The model is the command's default, not the user's choice: the run still works, on the simulator.
            why = "The model server at " + defaultUrl + " " + missing + ".";
            fix = "Pull it (ollama pull " + model + ") or name one of its models with --model.";
        } else {
            why = "No model server answers at " + defaultUrl + ".";
            fix = "Pass --model-url for a real model.";
        }
        OllamaSimulator simulator = OllamaSimulator.start(OllamaSimulatorOptions.defaults());
        err.println();
        err.println("************************************************************************************");
        err.println("  " + why);
        err.println("  Using the BUILT-IN SIMULATOR: extractions are pattern matches, not a real model.");
        err.println("  The result records the model as \"simulated\". " + fix);
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

    /**
     * What the server lacks ("has no model 'X' (its models: a, b)"), or null when it has {@code model} or cannot say
     * (a server without Ollama's {@code /api/show}: its first chat will tell).
     */
    private static String missingModel(String baseUrl, String model) {
        Boolean has = OllamaModelClients.hasModel(baseUrl, model, PROBE_TIMEOUT).onErrorReturn(true).block();
        if (!Boolean.FALSE.equals(has)) {
            return null;
        }
        List<String> names = OllamaModelClients.modelNames(baseUrl, PROBE_TIMEOUT).onErrorReturn(List.of()).block();
        return "has no model '" + model + "' (" + (names == null || names.isEmpty() ? "it lists none"
                : "its models: " + String.join(", ", names)) + ")";
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
