package io.matterpipeline.testkit.ollama;

import java.util.Objects;

/**
 * The answer the simulator's model gives: a deterministic, regex-based extraction of the default legal schema from one
 * page, usable without the HTTP server (as a built-in fallback model or in benchmarks).
 *
 * <p>The JSON has exactly the fields {@code documentType, parties[{name, role, quote}],
 * dates[{date (YYYY-MM-DD), description, quote}], amounts[{amount (number), currency, description, quote}],
 * caseNumbers[{value, quote}], obligations[{party, obligation, quote}], summary}}; items are deduplicated and in text
 * order, and every {@code quote} is a verbatim substring of the page text. The same input always gives the same
 * output.
 */
public final class SimulatedExtraction {

    private SimulatedExtraction() {
    }

    /** The extraction of {@code pageText} as a JSON string. */
    public static String fromPageText(String pageText) {
        Objects.requireNonNull(pageText, "pageText");
        return OllamaJson.write(LegalExtractor.extract(pageText));
    }

    /** The extraction of the page inside a worker's user message; see {@link #pageTextOf(String)}. */
    public static String fromUserMessage(String userMessage) {
        return fromPageText(pageTextOf(userMessage));
    }

    /**
     * The page text of a worker's user message: the content of its {@code <page number="N">...</page>} tag, or the
     * whole message when there is no such tag. {@code <context-before>} and {@code <context-after>} blocks are removed
     * first: they are context, never extracted from.
     */
    public static String pageTextOf(String userMessage) {
        return PageText.of(Objects.requireNonNull(userMessage, "userMessage"));
    }
}
