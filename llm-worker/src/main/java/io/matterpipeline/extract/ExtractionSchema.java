package io.matterpipeline.extract;

import com.networknt.schema.InputFormat;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.matterpipeline.contract.MessageCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A JSON Schema the model's answer must follow: sent to the server as the structured-output constraint and checked in
 * full afterwards, since constrained decoders ignore keywords such as {@code pattern} or {@code minLength} and plain
 * JSON mode ignores the schema altogether.
 */
final class ExtractionSchema {

    /** The default legal extraction schema on the classpath. */
    static final String LEGAL_RESOURCE = "/schemas/legal-extraction.schema.json";

    private static final int MAX_REPORTED_ERRORS = 20;

    private final String text;
    private final JsonSchema validator;

    private ExtractionSchema(String text) {
        this.text = Objects.requireNonNull(text, "text");
        // networknt is Jackson 2 based: it parses the schema text itself, and checks answers as Jackson 2 trees that
        // check() builds from the Jackson 3 tree it parsed (so an answer is parsed once, not once per library).
        this.validator = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(text, InputFormat.JSON);
    }

    /** The legal extraction schema that every Matter uses unless it brings its own. */
    static ExtractionSchema legal() {
        try (InputStream in = ExtractionSchema.class.getResourceAsStream(LEGAL_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Missing classpath resource " + LEGAL_RESOURCE);
            }
            return new ExtractionSchema(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A schema given as JSON text. */
    static ExtractionSchema of(String schemaJson) {
        return new ExtractionSchema(schemaJson);
    }

    /**
     * A schema a Matter brought: it must be a JSON object describing an object (the model answers one JSON object
     * per page).
     *
     * @throws IllegalArgumentException if it is not
     */
    static ExtractionSchema ofMatter(String schemaJson) {
        JsonNode tree;
        try {
            tree = MessageCodec.mapper().readTree(schemaJson);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("a JSON Schema must be a JSON object");
        }
        JsonNode type = tree.get("type");
        if (type != null && !(type.isString() && "object".equals(type.stringValue()))) {
            throw new IllegalArgumentException("the schema must describe a JSON object (\"type\": \"object\"), not "
                    + type);
        }
        return new ExtractionSchema(schemaJson);
    }

    /** The schema as JSON text, as sent to the model server. */
    String text() {
        return text;
    }

    /** Parses and validates a model answer. */
    Verdict check(String answer) {
        JsonNode tree;
        try {
            tree = MessageCodec.mapper().readTree(answer);
        } catch (JacksonException e) {
            return new Verdict(null, List.of("The answer is not valid JSON: " + e.getOriginalMessage()));
        }
        if (tree == null || tree.isMissingNode()) {
            return new Verdict(null, List.of("The answer is empty; a JSON object is required"));
        }
        if (!tree.isObject()) {
            return new Verdict(null, List.of("The answer must be a JSON object, not " + tree.getNodeType()));
        }
        Set<ValidationMessage> messages = validator.validate(Jackson2Tree.of(tree));
        List<String> errors = messages.stream()
                .map(ValidationMessage::getMessage)
                .sorted(Comparator.naturalOrder())
                .limit(MAX_REPORTED_ERRORS)
                .toList();
        return new Verdict(tree, errors);
    }

    /**
     * The outcome of {@link #check}.
     *
     * @param tree the parsed answer (Jackson 3), null when it is not a JSON object
     * @param errors what is wrong, empty when the answer is valid
     */
    record Verdict(JsonNode tree, List<String> errors) {

        boolean valid() {
            return tree != null && errors.isEmpty();
        }
    }

    /**
     * A Jackson 3 tree as the Jackson 2 tree that Jackson 2 would have parsed from the same text: integers as int, long
     * or big integer nodes by size, other numbers as doubles (Jackson 2's defaults, which networknt's own parsing
     * uses).
     */
    static final class Jackson2Tree {

        private static final com.fasterxml.jackson.databind.node.JsonNodeFactory NODES =
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;

        private Jackson2Tree() {
        }

        static com.fasterxml.jackson.databind.JsonNode of(JsonNode node) {
            switch (node.getNodeType()) {
                case OBJECT: {
                    com.fasterxml.jackson.databind.node.ObjectNode object = NODES.objectNode();
                    node.forEachEntry((name, value) -> object.set(name, of(value)));
                    return object;
                }
                case ARRAY: {
                    com.fasterxml.jackson.databind.node.ArrayNode array = NODES.arrayNode(node.size());
                    for (JsonNode element : node.values()) {
                        array.add(of(element));
                    }
                    return array;
                }
                case STRING:
                    return NODES.textNode(node.stringValue());
                case BOOLEAN:
                    return NODES.booleanNode(node.booleanValue());
                case NUMBER:
                    return number(node);
                case NULL:
                    return NODES.nullNode();
                default:
                    // Binary, POJO and missing nodes do not come out of parsing JSON text.
                    return NODES.textNode(node.asString());
            }
        }

        private static com.fasterxml.jackson.databind.JsonNode number(JsonNode node) {
            if (!node.isIntegralNumber()) {
                return NODES.numberNode(node.doubleValue());
            }
            if (node.canConvertToInt()) {
                return NODES.numberNode(node.intValue());
            }
            return node.canConvertToLong() ? NODES.numberNode(node.longValue()) : NODES.numberNode(node.bigIntegerValue());
        }
    }
}
