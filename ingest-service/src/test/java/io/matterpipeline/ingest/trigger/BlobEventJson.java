package io.matterpipeline.ingest.trigger;

import io.matterpipeline.contract.MessageCodec;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Event Grid deliveries as Azure Storage writes them, in both schemas (shapes from Azure's documentation). */
final class BlobEventJson {

    static final String TOPIC = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
            + "Microsoft.Storage/storageAccounts/account";

    private BlobEventJson() {
    }

    static String subject(String container, String blobPath) {
        return "/blobServices/default/containers/" + container + "/blobs/" + blobPath;
    }

    /** An Event Grid schema delivery (an array) of one BlobCreated event. */
    static byte[] eventGrid(String id, String container, String blobPath, String eTag) {
        return json(List.of(eventGridEvent(id, container, blobPath, eTag)));
    }

    static Map<String, Object> eventGridEvent(String id, String container, String blobPath, String eTag) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("topic", TOPIC);
        event.put("subject", subject(container, blobPath));
        event.put("eventType", "Microsoft.Storage.BlobCreated");
        event.put("eventTime", "2026-01-05T10:00:00.1234567Z");
        event.put("id", id);
        event.put("data", data(container, blobPath, eTag));
        event.put("dataVersion", "");
        event.put("metadataVersion", "1");
        return event;
    }

    /** A CloudEvents 1.0 delivery of one BlobCreated event (structured mode, a single object). */
    static byte[] cloudEvent(String id, String container, String blobPath, String eTag) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("specversion", "1.0");
        event.put("type", "Microsoft.Storage.BlobCreated");
        event.put("source", TOPIC);
        event.put("subject", subject(container, blobPath));
        event.put("id", id);
        event.put("time", "2026-01-05T10:00:00.1234567Z");
        event.put("data", data(container, blobPath, eTag));
        return json(event);
    }

    static byte[] validation(String code) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("id", "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66");
        event.put("topic", TOPIC);
        event.put("subject", "");
        event.put("data", Map.of("validationCode", code,
                "validationUrl", "https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/x/validate?id=1"));
        event.put("eventType", "Microsoft.EventGrid.SubscriptionValidationEvent");
        event.put("eventTime", "2026-01-05T10:00:00Z");
        event.put("metadataVersion", "1");
        event.put("dataVersion", "1");
        return json(List.of(event));
    }

    static byte[] json(Object value) {
        return MessageCodec.mapper().writeValueAsBytes(value);
    }

    static byte[] text(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, Object> data(String container, String blobPath, String eTag) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("api", "PutBlob");
        data.put("clientRequestId", "6d79dbfb-0e37-4fc4-981f-442c9ca65760");
        data.put("requestId", "831e1650-001e-001b-66ab-eeb76e000000");
        data.put("eTag", eTag);
        data.put("contentType", "text/plain");
        data.put("contentLength", 5);
        data.put("blobType", "BlockBlob");
        data.put("url", "https://account.blob.core.windows.net/" + container + "/" + blobPath);
        data.put("sequencer", "00000000000004420000000000028963");
        return data;
    }
}
