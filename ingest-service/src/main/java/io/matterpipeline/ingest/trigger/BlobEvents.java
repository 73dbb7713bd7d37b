package io.matterpipeline.ingest.trigger;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.BadInputException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads Azure Event Grid deliveries in both schemas: the Event Grid schema ({@code id, topic, subject, eventType,
 * eventTime, data, dataVersion}) and CloudEvents 1.0 ({@code specversion, type, source, subject, id, time, data}), one
 * event or an array of them. Only what the trigger needs is kept. A body that is not such an event fails with a
 * {@link BadInputException} of reason {@value #MALFORMED}, so it is dead-lettered (queue) or refused with 400
 * (webhook), never retried.
 */
final class BlobEvents {

    static final String MALFORMED = "malformed-event";
    static final String BLOB_CREATED = "Microsoft.Storage.BlobCreated";
    static final String SUBSCRIPTION_VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent";

    private BlobEvents() {
    }

    /** An event of a delivery. */
    sealed interface Event permits BlobCreated, SubscriptionValidation, Unsupported {

        /** The event id given by Event Grid. */
        String id();
    }

    /**
     * A blob was created or replaced.
     *
     * @param subject {@code /blobServices/default/containers/{container}/blobs/{name}}
     * @param eTag the blob version the event is about
     * @param contentType the content type the uploader declared; may be null
     * @param api the storage operation ({@code PutBlob}, {@code PutBlockList}, {@code CopyBlob},
     *     {@code FlushWithClose}, {@code CreateFile}); may be null
     */
    record BlobCreated(String id, String subject, String eTag, String contentType, String api) implements Event {
    }

    /** Event Grid asks a new webhook subscription to prove it wants the events by echoing the code. */
    record SubscriptionValidation(String id, String validationCode) implements Event {
    }

    /** A well-formed event of a type the trigger does not handle. */
    record Unsupported(String id, String type) implements Event {
    }

    /** The events of one delivery, in order; never empty. */
    static List<Event> parse(byte[] body) {
        JsonNode root;
        try {
            root = MessageCodec.mapper().readTree(body);
        } catch (JacksonException e) {
            throw malformed("the body is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw malformed("the body is empty");
        }
        List<Event> events = new ArrayList<>();
        if (root.isArray()) {
            for (JsonNode node : root) {
                events.add(event(node));
            }
        } else {
            events.add(event(root));
        }
        if (events.isEmpty()) {
            throw malformed("the body is an empty array");
        }
        return events;
    }

    private static Event event(JsonNode node) {
        if (!node.isObject()) {
            throw malformed("an event must be a JSON object");
        }
        boolean cloudEvent = node.has("specversion");
        if (cloudEvent && !"1.0".equals(text(node, "specversion"))) {
            throw malformed("unsupported CloudEvents specversion " + node.path("specversion"));
        }
        String id = required(node, "id");
        String type = required(node, cloudEvent ? "type" : "eventType");
        if (cloudEvent) {
            required(node, "source");
        }
        JsonNode data = node.path("data");
        return switch (type) {
            case BLOB_CREATED -> {
                if (!data.isObject()) {
                    throw malformed("event " + id + " has no data object");
                }
                yield new BlobCreated(id, required(node, "subject"), required(data, "eTag"),
                        text(data, "contentType"), text(data, "api"));
            }
            case SUBSCRIPTION_VALIDATION -> {
                if (!data.isObject()) {
                    throw malformed("event " + id + " has no data object");
                }
                yield new SubscriptionValidation(id, required(data, "validationCode"));
            }
            default -> new Unsupported(id, type);
        };
    }

    private static String required(JsonNode node, String field) {
        String value = text(node, field);
        if (value == null || value.isBlank()) {
            throw malformed("field '" + field + "' is missing or not a string");
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isString() ? value.asString() : null;
    }

    private static BadInputException malformed(String why) {
        return new BadInputException(MALFORMED, "Not an Event Grid or CloudEvents 1.0 event: " + why);
    }
}
