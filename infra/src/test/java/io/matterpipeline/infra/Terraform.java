package io.matterpipeline.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;

/** The Terraform configuration in {@code infra/terraform}, parsed once per test JVM. */
final class Terraform {

    private static Terraform parsed;

    private final Map<String, JsonNode> files;

    private Terraform(Map<String, JsonNode> files) {
        this.files = files;
    }

    /** The module directory ({@code infra/}); tests run in it. */
    static Path infraDirectory() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("terraform")) ? here : here.resolve("infra");
    }

    static Path repositoryRoot() {
        return infraDirectory().getParent();
    }

    static Path directory() {
        return infraDirectory().resolve("terraform");
    }

    static List<Path> files() {
        try (Stream<Path> paths = Files.list(directory())) {
            return paths.filter(path -> path.toString().endsWith(".tf")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every {@code .tf} file parsed; fails with file and line when one does not parse. */
    static synchronized Terraform get() {
        if (parsed == null) {
            JsonNode result = InfraTools.get().parseHcl(files());
            if (!result.path("errors").isEmpty()) {
                throw new AssertionError("Terraform does not parse: " + result.path("errors"));
            }
            Map<String, JsonNode> byName = new LinkedHashMap<>();
            result.path("files").properties().forEach(e -> byName.put(Path.of(e.getKey()).getFileName().toString(),
                    e.getValue()));
            parsed = new Terraform(byName);
        }
        return parsed;
    }

    Map<String, JsonNode> byFile() {
        return files;
    }

    /** The body of {@code resource "type" "name"}; fails when it is not declared. */
    JsonNode resource(String type, String name) {
        for (JsonNode file : files.values()) {
            JsonNode bodies = file.path("resource").path(type).path(name);
            if (!bodies.isMissingNode()) {
                return bodies.get(0);
            }
        }
        throw new AssertionError("no resource " + type + "." + name + " in " + directory());
    }

    /** Every declared resource of a type, by name. */
    Map<String, JsonNode> resources(String type) {
        Map<String, JsonNode> found = new LinkedHashMap<>();
        for (JsonNode file : files.values()) {
            file.path("resource").path(type).properties().forEach(e -> found.put(e.getKey(), e.getValue().get(0)));
        }
        return found;
    }

    /** A {@code locals} value. */
    JsonNode local(String name) {
        for (JsonNode file : files.values()) {
            for (JsonNode locals : file.path("locals")) {
                if (locals.has(name)) {
                    return locals.get(name);
                }
            }
        }
        throw new AssertionError("no local " + name);
    }

    /** A variable's default. */
    JsonNode variableDefault(String name) {
        for (JsonNode file : files.values()) {
            JsonNode variable = file.path("variable").path(name);
            if (!variable.isMissingNode()) {
                return variable.get(0).path("default");
            }
        }
        throw new AssertionError("no variable " + name);
    }

    /** Every output's value expression, by name. */
    Map<String, String> outputs() {
        Map<String, String> found = new LinkedHashMap<>();
        for (JsonNode file : files.values()) {
            file.path("output").properties().forEach(e -> found.put(e.getKey(),
                    e.getValue().get(0).path("value").toString()));
        }
        return found;
    }
}
