package io.matterpipeline.model;

/**
 * The token limits a client pins on every request (Ollama {@code num_ctx} and {@code num_predict}). A prompt plus the
 * longest answer must fit the context: servers either refuse a longer prompt or, worse, cut it silently.
 *
 * @param contextTokens the context window in tokens, prompt and answer together
 * @param outputTokens the most tokens an answer may have
 */
public record ModelLimits(int contextTokens, int outputTokens) {

    public ModelLimits {
        if (contextTokens < 1 || outputTokens < 1) {
            throw new IllegalArgumentException("token limits must be positive");
        }
        if (outputTokens >= contextTokens) {
            throw new IllegalArgumentException("outputTokens (" + outputTokens + ") must be below contextTokens ("
                    + contextTokens + ")");
        }
    }

    /** Tokens left for the prompt once room for the longest answer is kept. */
    public int promptBudget() {
        return contextTokens - outputTokens;
    }
}
