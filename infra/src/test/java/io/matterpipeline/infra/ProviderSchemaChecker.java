package io.matterpipeline.infra;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import tools.jackson.databind.JsonNode;

/**
 * Checks Terraform resources and data sources (as {@code @cdktn/hcl2json} parses them) against the azurerm provider
 * schema {@link InfraTools#azurermSchema()} extracts: every argument and nested block must exist where it is used, and
 * every required argument and block must be there (written or through a {@code dynamic} block). Meta-arguments are
 * Terraform's, not the provider's, and are skipped. Value types and enumerations are not checked.
 */
final class ProviderSchemaChecker {

    private static final Set<String> META_ARGUMENTS =
            Set.of("count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection");

    private final JsonNode schema;

    ProviderSchemaChecker(JsonNode schema) {
        this.schema = schema;
    }

    /** The violations in parsed files ({@code {path: json}}), each naming file, resource and the argument. */
    List<String> check(Map<String, JsonNode> files) {
        List<String> violations = new ArrayList<>();
        files.forEach((file, json) -> {
            checkKind(file, "resource", json.path("resource"), schema.path("resources"), violations);
            checkKind(file, "data", json.path("data"), schema.path("dataSources"), violations);
        });
        return violations;
    }

    private void checkKind(String file, String kind, JsonNode declared, JsonNode known, List<String> violations) {
        for (var type : declared.properties()) {
            if (!type.getKey().startsWith("azurerm_")) {
                continue;
            }
            JsonNode struct = known.path(type.getKey());
            if (struct.isMissingNode()) {
                violations.add(file + ": " + kind + " type " + type.getKey() + " does not exist in azurerm");
                continue;
            }
            for (var named : type.getValue().properties()) {
                for (JsonNode body : named.getValue()) {
                    String where = file + ": " + kind + " " + type.getKey() + "." + named.getKey();
                    checkBody(body, struct.asString(), where, violations);
                }
            }
        }
    }

    private void checkBody(JsonNode body, String structName, String where, List<String> violations) {
        JsonNode struct = schema.path("structs").path(structName);
        JsonNode arguments = struct.path("args");
        JsonNode blocks = struct.path("blocks");
        Set<String> present = new HashSet<>();
        for (var entry : body.properties()) {
            String name = entry.getKey();
            if (name.equals("dynamic")) {
                for (var dynamic : entry.getValue().properties()) {
                    JsonNode block = blocks.path(dynamic.getKey());
                    if (block.isMissingNode()) {
                        violations.add(where + ": unknown block '" + dynamic.getKey() + "' (dynamic)");
                        continue;
                    }
                    present.add(dynamic.getKey());
                    for (JsonNode generator : dynamic.getValue()) {
                        for (JsonNode content : generator.path("content")) {
                            checkBody(content, block.path("struct").asString(), where + "." + dynamic.getKey(),
                                    violations);
                        }
                    }
                }
            } else if (META_ARGUMENTS.contains(name)) {
                continue;
            } else if (arguments.has(name)) {
                present.add(name);
            } else if (blocks.has(name)) {
                present.add(name);
                JsonNode value = entry.getValue();
                for (JsonNode nested : value.isArray() ? value : List.of(value)) {
                    checkBody(nested, blocks.path(name).path("struct").asString(), where + "." + name, violations);
                }
            } else {
                violations.add(where + ": unknown argument or block '" + name + "'");
            }
        }
        for (var argument : arguments.properties()) {
            if (argument.getValue().asBoolean() && !present.contains(argument.getKey())) {
                violations.add(where + ": missing required argument '" + argument.getKey() + "'");
            }
        }
        for (var block : blocks.properties()) {
            if (block.getValue().path("required").asBoolean() && !present.contains(block.getKey())) {
                violations.add(where + ": missing required block '" + block.getKey() + "'");
            }
        }
    }
}
