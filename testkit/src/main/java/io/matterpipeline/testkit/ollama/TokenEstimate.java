package io.matterpipeline.testkit.ollama;

/** The simulator's tokenizer: about four characters a token, as for English text with common BPE vocabularies. */
final class TokenEstimate {

    static final int CHARS_PER_TOKEN = 4;

    private TokenEstimate() {
    }

    static int of(String text) {
        return ofChars(text.length());
    }

    static int ofChars(int chars) {
        return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }
}
