package io.matterpipeline.ingest.request;

import com.networknt.schema.InputFormat;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.TooLargeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Checks a request message against {@code docs/schemas/ingest-request.schema.json} (packaged into the jar) and reads
 * it. Every refusal is a {@link BadInputException} whose reason names the first offending field,
 * {@code invalid-request:<field>} (for example {@code invalid-request:matterId}), and whose message lists every
 * violation; the queue consumer dead-letters with exactly that reason.
 */
final class RequestSchema {

    static final String RESOURCE = "/io/matterpipeline/ingest/request/ingest-request.schema.json";

    private final JsonSchema schema;
    private final long maxBytes;

    RequestSchema(long maxBytes) {
        this.maxBytes = maxBytes;
        try (InputStream in = RequestSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The ingest request schema " + RESOURCE + " is not on the classpath");
            }
            // networknt is Jackson 2 based: it parses the schema and the message text itself; no Jackson 2 type
            // crosses into our code.
            this.schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(new String(in.readAllBytes(), StandardCharsets.UTF_8), InputFormat.JSON);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    IngestRequest read(byte[] body) {
        if (body.length > maxBytes) {
            throw new TooLargeException("request-too-large", "The request of " + body.length
                    + " bytes is larger than the limit of " + maxBytes + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new BadInputException("malformed-request", "The request is not UTF-8 text");
        }
        JsonNode tree;
        try {
            // Jackson 3 first: its stream constraints bound nesting and sizes before the validator sees the text.
            tree = MessageCodec.mapper().readTree(text);
        } catch (JacksonException e) {
            throw new BadInputException("malformed-request", "The request is not JSON: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new BadInputException("invalid-request:(root)", "The request must be a JSON object");
        }
        Set<ValidationMessage> violations = schema.validate(text, InputFormat.JSON);
        if (!violations.isEmpty()) {
            List<ValidationMessage> sorted = violations.stream()
                    .sorted(Comparator.comparing(RequestSchema::field).thenComparing(ValidationMessage::getMessage))
                    .toList();
            throw new BadInputException("invalid-request:" + field(sorted.get(0)), sorted.stream()
                    .map(ValidationMessage::getMessage)
                    .collect(Collectors.joining("; ")));
        }
        return MessageCodec.mapper().treeToValue(tree, IngestRequest.class);
    }

    /** The field a violation is about: {@code matterId}, {@code (root)} for the object as a whole. */
    static String field(ValidationMessage violation) {
        String location = violation.getInstanceLocation().toString();
        String path = location.equals("$") ? "" : location.replaceFirst("^\\$\\.?", "");
        String property = violation.getProperty();
        if (property != null && !property.isEmpty() && !path.endsWith(property)) {
            path = path.isEmpty() ? property : path + "." + property;
        }
        return path.isEmpty() ? "(root)" : path;
    }
}
