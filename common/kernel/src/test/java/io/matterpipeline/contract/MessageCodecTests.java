package io.matterpipeline.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.error.PoisonException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class MessageCodecTests {

    static Stream<PipelineMessage> everyMessageType() {
        return Stream.of(
                new DocumentReceived("m-1", "d-1", "contract.pdf", "matters/m-1/documents/d-1/source", 1234,
                        "application/pdf"),
                new DocumentSplit("m-1", "d-1", "pdf", 12, 0.93),
                new DocumentFailed("m-1", "d-2", "encrypted-pdf", "The PDF is encrypted"),
                new PageTask("m-1", "d-1", 3, 12, "matters/m-1/documents/d-1/pages/00003.json"),
                new PageExtracted("m-1", "d-1", 3, "matters/m-1/documents/d-1/extractions/00003.json"),
                new PagesExtracted("m-1", List.of(
                        new PagesExtracted.Page("d-1", 4, "matters/m-1/documents/d-1/extractions/00004.json",
                                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
                        new PagesExtracted.Page("d-2", 1, "matters/m-1/documents/d-2/extractions/00001.json",
                                null))),
                new PageFailed("m-1", "d-1", 4, "model-unavailable", "503 three times"),
                new MatterSealed("m-1", List.of(new SealedDocument("d-1", "contract.pdf"),
                        new SealedDocument("d-2", "scan.json"))),
                new MatterCompleted("m-1", "PARTIAL", "matters/m-1/result.json"));
    }

    @Test
    void everyMessageTypeIsCovered() {
        assertThat(everyMessageType().map(Object::getClass))
                .containsExactlyInAnyOrder(PipelineMessage.class.getPermittedSubclasses());
    }

    @ParameterizedTest
    @MethodSource("everyMessageType")
    void roundTripsWithIdTypeAndSchemaVersion(PipelineMessage message) {
        OutboundMessage encoded = MessageCodec.encode(message);

        assertThat(encoded.messageId()).isEqualTo(message.messageId());
        assertThat(encoded.type()).isEqualTo(message.type());
        assertThat(encoded.properties())
                .containsEntry(MessageCodec.TYPE_PROPERTY, message.type())
                .containsEntry(MessageCodec.SCHEMA_VERSION_PROPERTY, String.valueOf(PipelineMessage.SCHEMA_VERSION));
        assertThat(MessageCodec.mapper().readTree(encoded.body()).path("type").asText()).isEqualTo(message.type());
        assertThat(MessageCodec.decode(encoded.body())).isEqualTo(message);
    }

    @Test
    void messageIdsAreDeterministic() {
        assertThat(MessageCodec.encode(new PageTask("m-1", "d-1", 3, 12, "a")).messageId())
                .isEqualTo(MessageCodec.encode(new PageTask("m-1", "d-1", 3, 12, "a")).messageId())
                .isNotEqualTo(MessageCodec.encode(new PageTask("m-1", "d-1", 4, 12, "a")).messageId());
    }

    @Test
    void unknownFieldsAreIgnored() {
        ObjectNode body = tree(new PageTask("m-1", "d-1", 3, 12, "p"));
        body.put("addedByANewerWriter", "anything");
        body.putObject("nested").put("x", 1);

        assertThat(MessageCodec.decode(bytes(body))).isEqualTo(new PageTask("m-1", "d-1", 3, 12, "p"));
    }

    @Test
    void unknownTypeIsPoison() {
        ObjectNode body = tree(new PageTask("m-1", "d-1", 3, 12, "p"));
        body.put("type", "page-teleported");

        assertPoison(bytes(body), "malformed-message");
    }

    @Test
    void newerSchemaVersionIsPoison() {
        ObjectNode body = tree(new PageTask("m-1", "d-1", 3, 12, "p"));
        body.put(MessageCodec.SCHEMA_VERSION_PROPERTY, PipelineMessage.SCHEMA_VERSION + 1);

        assertPoison(bytes(body), "unsupported-schema-version");
    }

    @Test
    void missingSchemaVersionMeansTheFirst() {
        ObjectNode body = tree(new PageTask("m-1", "d-1", 3, 12, "p"));
        body.remove(MessageCodec.SCHEMA_VERSION_PROPERTY);

        assertThat(MessageCodec.decode(bytes(body))).isEqualTo(new PageTask("m-1", "d-1", 3, 12, "p"));
    }

    @Test
    void bodiesThatAreNotMessagesArePoison() {
        assertPoison("not json".getBytes(StandardCharsets.UTF_8), "malformed-message");
        assertPoison("[1,2]".getBytes(StandardCharsets.UTF_8), "malformed-message");
        assertPoison("{\"matterId\":\"m-1\"}".getBytes(StandardCharsets.UTF_8), "malformed-message");
    }

    private static void assertPoison(byte[] body, String reason) {
        assertThatThrownBy(() -> MessageCodec.decode(body))
                .isInstanceOf(PoisonException.class)
                .extracting(error -> ((PoisonException) error).reason())
                .isEqualTo(reason);
    }

    private static ObjectNode tree(PipelineMessage message) {
        return (ObjectNode) MessageCodec.mapper().readTree(MessageCodec.encode(message).body());
    }

    private static byte[] bytes(ObjectNode body) {
        return MessageCodec.mapper().writeValueAsBytes(body);
    }
}
