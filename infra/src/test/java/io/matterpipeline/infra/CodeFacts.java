package io.matterpipeline.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the services' code says, read from the code itself so that the infrastructure follows it: classes are found by
 * their simple name in the source tree (they may move between packages), their defaults are bound the way Spring
 * binds them with no property set, and the property names come from the configuration metadata every service jar
 * carries.
 */
final class CodeFacts {

    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern QUEUE_CALL = Pattern.compile("queues(?:\\(\\))?\\.(\\w+)\\(\\)");

    private CodeFacts() {
    }

    /** The class whose source file is {@code <simpleName>.java} in a {@code src/main/java} of the repository. */
    static Class<?> mainClass(String simpleName) {
        Path root = Terraform.repositoryRoot();
        try (Stream<Path> paths = Files.walk(root)) {
            List<Path> sources = paths.filter(path -> path.getFileName().toString().equals(simpleName + ".java"))
                    .filter(path -> path.toString().contains("src/main/java") && !path.toString().contains("target"))
                    .toList();
            if (sources.size() != 1) {
                throw new AssertionError("expected one " + simpleName + ".java under " + root + ", found " + sources);
            }
            Matcher pkg = PACKAGE.matcher(Files.readString(sources.get(0)));
            if (!pkg.find()) {
                throw new AssertionError("no package in " + sources.get(0));
            }
            return Class.forName(pkg.group(1) + "." + simpleName);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(simpleName + " is not on the infra module's test classpath", e);
        }
    }

    /** The values of a class's public static final String constants. */
    static Set<String> stringConstants(Class<?> type) {
        Set<String> values = new LinkedHashSet<>();
        for (Field field : type.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                try {
                    values.add((String) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return values;
    }

    /** A constant's value by field name. */
    static String constant(Class<?> type, String name) {
        try {
            return (String) type.getField(name).get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(type + "." + name, e);
        }
    }

    /** The component {@code name} of the properties type as Spring binds it with nothing set (its defaults). */
    static Object defaultOf(Class<?> type, String name) {
        Object bound = new Binder(Collections.emptyList()).bindOrCreate("defaults", Bindable.of(type));
        try {
            return type.getMethod(name).invoke(bound);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(type.getName() + "." + name + "()", e);
        }
    }

    /** A nested type of a class, by its simple name. */
    static Class<?> nested(Class<?> outer, String simpleName) {
        for (Class<?> inner : outer.getDeclaredClasses()) {
            if (inner.getSimpleName().equals(simpleName)) {
                return inner;
            }
        }
        throw new AssertionError(outer.getName() + " has no nested " + simpleName);
    }

    /**
     * The queues the main code of a service module calls for through its queue names ({@code queues.pages()}),
     * mapped to the queue names: {@code mattersCompleted} is the constant {@code MATTERS_COMPLETED}.
     */
    static Set<String> queuesReferencedBy(String module, Class<?> queues) {
        Set<String> found = new LinkedHashSet<>();
        try (Stream<Path> paths = Files.walk(Terraform.repositoryRoot().resolve(module).resolve("src/main/java"))) {
            for (Path source : paths.filter(path -> path.toString().endsWith(".java")).toList()) {
                Matcher call = QUEUE_CALL.matcher(Files.readString(source));
                while (call.find()) {
                    String constant = call.group(1).replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase();
                    found.add(constant(queues, constant));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** Every property the services read, from the {@code spring-configuration-metadata.json} of their jars. */
    static Map<String, JsonNode> properties() {
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        JsonMapper json = JsonMapper.builder().build();
        try {
            for (URL url : Collections.list(CodeFacts.class.getClassLoader()
                    .getResources("META-INF/spring-configuration-metadata.json"))) {
                try (InputStream in = url.openStream()) {
                    for (JsonNode property : json.readTree(in).path("properties")) {
                        properties.put(property.path("name").asString(), property);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }
}
