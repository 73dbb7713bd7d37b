package io.matterpipeline.ingest.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.PipelineException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BlobEventsTests {

    @Test
    void readsABlobCreatedEventOfTheEventGridSchema() {
        List<BlobEvents.Event> events = BlobEvents.parse(
                BlobEventJson.eventGrid("e-1", "matter-pipeline", "inbox/m-1/a.txt", "\"0x8D4BCC2E4835CD0\""));

        assertThat(events).containsExactly(new BlobEvents.BlobCreated("e-1",
                "/blobServices/default/containers/matter-pipeline/blobs/inbox/m-1/a.txt", "\"0x8D4BCC2E4835CD0\"",
                "text/plain", "PutBlob"));
    }

    @Test
    void readsABlobCreatedCloudEvent() {
        List<BlobEvents.Event> events = BlobEvents.parse(
                BlobEventJson.cloudEvent("e-2", "matter-pipeline", "inbox/m-1/a.txt", "0x8D4BCC2E4835CD0"));

        assertThat(events).containsExactly(new BlobEvents.BlobCreated("e-2",
                "/blobServices/default/containers/matter-pipeline/blobs/inbox/m-1/a.txt", "0x8D4BCC2E4835CD0",
                "text/plain", "PutBlob"));
    }

    @Test
    void readsEveryEventOfABatch() {
        byte[] batch = BlobEventJson.json(List.of(
                BlobEventJson.eventGridEvent("e-1", "c", "inbox/m-1/a.txt", "0x1"),
                BlobEventJson.eventGridEvent("e-2", "c", "inbox/m-1/b.txt", "0x2")));

        assertThat(BlobEvents.parse(batch)).extracting(BlobEvents.Event::id).containsExactly("e-1", "e-2");
    }

    @Test
    void readsTheSubscriptionValidationEvent() {
        assertThat(BlobEvents.parse(BlobEventJson.validation("512d38b6-c7b8-40c8-89fe-f46f9e9622b6")))
                .containsExactly(new BlobEvents.SubscriptionValidation("2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
                        "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"));
    }

    @Test
    void keepsAnEventOfAnotherTypeAsUnsupported() {
        Map<String, Object> deleted = BlobEventJson.eventGridEvent("e-3", "c", "inbox/m-1/a.txt", "0x1");
        deleted.put("eventType", "Microsoft.Storage.BlobDeleted");

        assertThat(BlobEvents.parse(BlobEventJson.json(deleted)))
                .containsExactly(new BlobEvents.Unsupported("e-3", "Microsoft.Storage.BlobDeleted"));
    }

    @Test
    void refusesWhatIsNotAnEventAsMalformed() {
        Map<String, Object> noETag = BlobEventJson.eventGridEvent("e-1", "c", "inbox/m-1/a.txt", "0x1");
        ((Map<?, ?>) noETag.get("data")).remove("eTag");
        Map<String, Object> noSubject = BlobEventJson.eventGridEvent("e-1", "c", "inbox/m-1/a.txt", "0x1");
        noSubject.remove("subject");
        Map<String, Object> numericId = BlobEventJson.eventGridEvent("e-1", "c", "inbox/m-1/a.txt", "0x1");
        numericId.put("id", 7);
        Map<String, Object> cloudEvent02 = Map.of("specversion", "0.2", "type", "Microsoft.Storage.BlobCreated",
                "id", "x", "source", "y");

        for (byte[] body : List.of(BlobEventJson.text("not json"), BlobEventJson.text(""),
                BlobEventJson.text("[]"), BlobEventJson.text("[1, 2]"), BlobEventJson.text("\"event\""),
                BlobEventJson.json(noETag), BlobEventJson.json(noSubject), BlobEventJson.json(numericId),
                BlobEventJson.json(cloudEvent02))) {
            assertThatThrownBy(() -> BlobEvents.parse(body))
                    .as(new String(body))
                    .isInstanceOf(BadInputException.class)
                    .extracting(e -> ((PipelineException) e).reason()).isEqualTo("malformed-event");
        }
    }

    @Test
    void namesTheInboxEntryOfASubject() {
        InboxEntry entry = InboxEntry.of(BlobEventJson.subject("c", "inbox/m-1/folder/a b.pdf"), "c", "inbox");

        assertThat(entry).isEqualTo(new InboxEntry("m-1", "inbox/m-1/folder/a b.pdf", "folder/a b.pdf"));
        assertThat(entry.isHidden()).isFalse();
        assertThat(InboxEntry.of(BlobEventJson.subject("c", "inbox/m-1/.DS_Store"), "c", "inbox").isHidden())
                .isTrue();
    }

    @Test
    void refusesSubjectsOutsideTheInboxWithTheirReason() {
        assertReason(() -> InboxEntry.of(BlobEventJson.subject("other", "inbox/m-1/a.txt"), "c", "inbox"),
                "foreign-container");
        assertReason(() -> InboxEntry.of(BlobEventJson.subject("c", "matters/m-1/matter.json"), "c", "inbox"),
                "not-inbox-path");
        assertReason(() -> InboxEntry.of(BlobEventJson.subject("c", "inbox/a.txt"), "c", "inbox"),
                "not-inbox-path");
        assertReason(() -> InboxEntry.of(BlobEventJson.subject("c", "inbox/m-1/"), "c", "inbox"),
                "not-inbox-path");
        assertReason(() -> InboxEntry.of(BlobEventJson.subject("c", "inboxes/m-1/a.txt"), "c", "inbox"),
                "not-inbox-path");
        assertReason(() -> InboxEntry.of(BlobEventJson.subject("c", "inbox/not%20an%20id/a.txt"), "c", "inbox"),
                "invalid-id");
        assertReason(() -> InboxEntry.of("/subscriptions/x/resourceGroups/y", "c", "inbox"), "malformed-event");
    }

    @Test
    void derivesOneDocumentIdPerBlobVersion() {
        String id = BlobTriggerHandler.documentId("inbox/m-1/a.txt", "\"0x1\"");

        assertThat(id).matches("d-[0-9a-z]{20}");
        assertThat(BlobTriggerHandler.documentId("inbox/m-1/a.txt", "0x1")).as("quoted or not").isEqualTo(id);
        assertThat(BlobTriggerHandler.documentId("inbox/m-1/a.txt", "0x2")).isNotEqualTo(id);
        assertThat(BlobTriggerHandler.documentId("inbox/m-1/b.txt", "0x1")).isNotEqualTo(id);
    }

    private static void assertReason(Runnable call, String reason) {
        assertThatThrownBy(call::run).isInstanceOf(BadInputException.class)
                .extracting(e -> ((PipelineException) e).reason()).isEqualTo(reason);
    }
}
