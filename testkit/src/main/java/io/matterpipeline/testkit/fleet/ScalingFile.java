package io.matterpipeline.testkit.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the autoscale numbers of every service from the scaling file Terraform reads with
 * {@code jsondecode(file("scaling.json"))}:
 *
 * <pre>{@code
 * {"services": {
 *   "llm-worker": {"queue": "pages",
 *                  "capacity": {"minimum": 1, "maximum": 10, "default": 1},
 *                  "time_window": "PT5M",
 *                  "scale_out": {"threshold": 20, "change_count": 1, "cooldown": "PT3M"},
 *                  "scale_in":  {"threshold": 2,  "change_count": 1, "cooldown": "PT10M"}},
 *   ...}}
 * }</pre>
 * Thresholds are active messages of {@code queue} per instance; durations are ISO-8601. Other keys are ignored.
 */
public final class ScalingFile {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ScalingFile() {
    }

    /**
     * The rules by service name, in file order.
     *
     * @throws IllegalArgumentException naming the service and field when the file does not follow the format
     */
    public static Map<String, ScalingRule> read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + " is not JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode services = root.path("services");
        if (!services.isObject() || services.isEmpty()) {
            throw new IllegalArgumentException(file + ": no \"services\" object");
        }
        Map<String, ScalingRule> rules = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> service : services.properties()) {
            rules.put(service.getKey(), rule(service.getKey(), service.getValue()));
        }
        return rules;
    }

    private static ScalingRule rule(String service, JsonNode json) {
        JsonNode capacity = required(service, json, "capacity");
        int minimum = required(service, capacity, "minimum").asInt();
        int maximum = required(service, capacity, "maximum").asInt();
        int initial = capacity.path("default").asInt(minimum);
        return new ScalingRule(service, required(service, json, "queue").asString(), minimum, maximum, initial,
                duration(service, json, "time_window"), step(service, required(service, json, "scale_out")),
                step(service, required(service, json, "scale_in")));
    }

    private static ScalingRule.Step step(String service, JsonNode json) {
        return new ScalingRule.Step(required(service, json, "threshold").asDouble(),
                json.path("change_count").asInt(1), duration(service, json, "cooldown"));
    }

    private static Duration duration(String service, JsonNode json, String field) {
        String text = required(service, json, field).asString();
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(service + ": " + field + " is not an ISO-8601 duration: " + text, e);
        }
    }

    private static JsonNode required(String service, JsonNode json, String field) {
        JsonNode value = json.path(field);
        if (value.isMissingNode() || value.isNull()) {
            throw new IllegalArgumentException(service + ": missing \"" + field + "\"");
        }
        return value;
    }
}
