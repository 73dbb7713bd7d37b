package io.matterpipeline.extract.openai;

import io.matterpipeline.model.ModelClient;

/** Factories for the OpenAI-compatible adapter of {@link ModelClient} (vLLM, llama.cpp server). */
public final class OpenAiModelClients {

    private OpenAiModelClients() {
    }

    /**
     * A client for one OpenAI-compatible server ({@code POST /v1/chat/completions}) over Reactor Netty,
     * asking for structured output with {@code response_format: json_schema}; it never retries by itself.
     */
    public static ModelClient create(OpenAiClientOptions options) {
        return new OpenAiModelClient(options);
    }
}
