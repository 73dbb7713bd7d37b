package io.matterpipeline.testkit.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the autoscale numbers of every service from {@code infra/scaling.json}, the file Terraform
 * ({@code infra/terraform/autoscale.tf}) and the Kubernetes manifests read too:
 *
 * <pre>{@code
 * {"window": "PT5M",
 *  "services": {
 *    "llm-worker": {"queues": ["pages"], "minInstances": 1, "maxInstances": 20, "defaultInstances": 1,
 *                   "scaleOutAboveMessagesPerInstance": 64, "scaleInBelowMessagesPerInstance": 8,
 *                   "scaleOutBy": 2, "scaleInBy": 1, "scaleOutCooldown": "PT5M", "scaleInCooldown": "PT15M"},
 *    ...}}
 * }</pre>
 * Durations are ISO-8601; other keys ({@code $comment}) are ignored.
 */
public final class ScalingFile {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ScalingFile() {
    }

    /**
     * The rules by service name, in file order.
     *
     * @throws IllegalArgumentException naming the service and key when the file does not follow the format
     */
    public static Map<String, ScalingRule> read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + " is not JSON: " + e.getOriginalMessage(), e);
        }
        Duration window = duration("window", root, "window");
        JsonNode services = root.path("services");
        if (!services.isObject() || services.isEmpty()) {
            throw new IllegalArgumentException(file + ": no \"services\" object");
        }
        Map<String, ScalingRule> rules = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> service : services.properties()) {
            rules.put(service.getKey(), rule(service.getKey(), service.getValue(), window));
        }
        return rules;
    }

    private static ScalingRule rule(String service, JsonNode json, Duration window) {
        List<String> queues = new ArrayList<>();
        required(service, json, "queues").forEach(queue -> queues.add(queue.asString()));
        return new ScalingRule(service, queues, required(service, json, "minInstances").asInt(),
                required(service, json, "maxInstances").asInt(), required(service, json, "defaultInstances").asInt(),
                window, required(service, json, "scaleOutAboveMessagesPerInstance").asDouble(),
                required(service, json, "scaleInBelowMessagesPerInstance").asDouble(),
                required(service, json, "scaleOutBy").asInt(), required(service, json, "scaleInBy").asInt(),
                duration(service, json, "scaleOutCooldown"), duration(service, json, "scaleInCooldown"));
    }

    private static Duration duration(String service, JsonNode json, String key) {
        String text = required(service, json, key).asString();
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(service + ": " + key + " is not an ISO-8601 duration: " + text, e);
        }
    }

    private static JsonNode required(String service, JsonNode json, String key) {
        JsonNode value = json.path(key);
        if (value.isMissingNode() || value.isNull()) {
            throw new IllegalArgumentException(service + ": missing \"" + key + "\"");
        }
        return value;
    }
}
