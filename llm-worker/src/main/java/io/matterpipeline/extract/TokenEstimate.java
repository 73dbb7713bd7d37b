package io.matterpipeline.extract;

import io.matterpipeline.model.ModelMessage;
import java.util.List;

/**
 * A cautious estimate of how many tokens a prompt has, made before sending it: we cannot run the server's tokenizer,
 * so we assume fewer characters per token than English usually has (about four) and add the chat template's
 * per-message overhead. Overestimating fails a borderline page loudly; underestimating would let the server cut it.
 */
final class TokenEstimate {

    /** Role markers and separators the chat template adds around each message. */
    private static final int TOKENS_PER_MESSAGE = 8;

    private final double charsPerToken;

    TokenEstimate(double charsPerToken) {
        this.charsPerToken = charsPerToken;
    }

    int of(String text) {
        return (int) Math.ceil(text.length() / charsPerToken);
    }

    int of(List<ModelMessage> messages) {
        int tokens = TOKENS_PER_MESSAGE;
        for (ModelMessage message : messages) {
            tokens += TOKENS_PER_MESSAGE + of(message.content());
        }
        return tokens;
    }
}
