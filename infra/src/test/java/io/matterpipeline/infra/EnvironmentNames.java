package io.matterpipeline.infra;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;

/**
 * Whether an environment variable sets a property a service reads: Spring maps {@code matter-pipeline.bus.type} to
 * {@code MATTER_PIPELINE_BUS_TYPE} (dots and dashes to underscores, upper case) and a list element's field
 * {@code endpoints[0].url} to {@code ..._ENDPOINTS_0_URL}. A few variables are read by libraries, not by Spring.
 */
final class EnvironmentNames {

    /** Read by azure-identity ({@code DefaultAzureCredential}) and the Application Insights agent. */
    static final Set<String> LIBRARY_VARIABLES = Set.of("AZURE_CLIENT_ID", "APPLICATIONINSIGHTS_CONNECTION_STRING",
            "APPLICATIONINSIGHTS_AUTHENTICATION_STRING");

    private static final Pattern LIST_OF = Pattern.compile("java\\.util\\.List<([\\w.$]+)>");

    private EnvironmentNames() {
    }

    /** The variables among {@code names} that set nothing a service reads. */
    static List<String> unknown(Collection<String> names, Map<String, JsonNode> properties) {
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            if (!LIBRARY_VARIABLES.contains(name) && !isProperty(name, properties)) {
                unknown.add(name);
            }
        }
        return unknown;
    }

    private static boolean isProperty(String variable, Map<String, JsonNode> properties) {
        for (var property : properties.entrySet()) {
            String form = environmentForm(property.getKey());
            if (form.equals(variable)) {
                return true;
            }
            Matcher list = LIST_OF.matcher(property.getValue().path("type").asString(""));
            if (list.matches() && variable.startsWith(form + "_")) {
                String rest = variable.substring(form.length() + 1);
                int underscore = rest.indexOf('_');
                if (underscore > 0 && rest.substring(0, underscore).chars().allMatch(Character::isDigit)
                        && elementHasField(list.group(1), rest.substring(underscore + 1))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean elementHasField(String typeName, String field) {
        try {
            Class<?> type = Class.forName(typeName.replace('$', '.').contains(".")
                    ? binaryName(typeName) : typeName);
            for (var component : type.getRecordComponents()) {
                if (environmentForm(component.getName().replaceAll("([a-z])([A-Z])", "$1-$2")).equals(field)) {
                    return true;
                }
            }
            return false;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Metadata names nested types with dots ({@code a.b.Outer.Inner}); the class loader wants {@code Outer$Inner}. */
    private static String binaryName(String typeName) {
        String[] parts = typeName.split("\\.");
        StringBuilder name = new StringBuilder();
        boolean inClass = false;
        for (String part : parts) {
            if (name.length() > 0) {
                name.append(inClass ? '$' : '.');
            }
            name.append(part);
            inClass = inClass || Character.isUpperCase(part.charAt(0));
        }
        return name.toString();
    }

    static String environmentForm(String property) {
        return property.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }
}
