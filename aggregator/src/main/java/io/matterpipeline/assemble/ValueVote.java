package io.matterpipeline.assemble;

import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.NullNode;

/**
 * Picks one value of a scalar field (such as {@code documentType} or {@code summary}) from many sources: the most
 * frequent non-empty value by normalised key, ties going to the earliest source.
 */
final class ValueVote {

    private final Map<String, Candidate> candidates = new HashMap<>();

    /** Counts {@code value}, seen at position {@code order} (page number, or document position). */
    void add(String key, JsonNode value, int order) {
        if (key.isEmpty()) {
            return;
        }
        candidates.compute(key, (k, existing) -> existing == null
                ? new Candidate(value, 1, order)
                : new Candidate(existing.value, existing.count + 1, Math.min(existing.firstOrder, order)));
    }

    /** The winning value, or a JSON null when nothing non-empty was seen. */
    JsonNode winner() {
        Candidate best = null;
        for (Candidate candidate : candidates.values()) {
            if (best == null || candidate.count > best.count
                    || (candidate.count == best.count && candidate.firstOrder < best.firstOrder)) {
                best = candidate;
            }
        }
        return best == null ? NullNode.getInstance() : best.value.deepCopy();
    }

    private record Candidate(JsonNode value, int count, int firstOrder) {
    }
}
