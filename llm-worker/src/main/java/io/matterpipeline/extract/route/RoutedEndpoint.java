package io.matterpipeline.extract.route;

import io.matterpipeline.model.ModelClient;
import java.util.Objects;

/**
 * One model server behind a {@link ModelRouter}.
 *
 * @param name how metrics and logs name it (its base URL, without credentials); unique within a router
 * @param client the adapter that calls it, one attempt per call
 * @param slots calls it generates at once ({@code OLLAMA_NUM_PARALLEL}, vLLM's batch share); the router never has
 *     more than this many in flight on it
 */
public record RoutedEndpoint(String name, ModelClient client, int slots) {

    public RoutedEndpoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(client, "client");
        if (slots < 1) {
            throw new IllegalArgumentException("slots of " + name + " must be >= 1, was " + slots);
        }
    }
}
