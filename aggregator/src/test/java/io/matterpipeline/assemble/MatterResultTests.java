package io.matterpipeline.assemble;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.SealedDocument;
import io.matterpipeline.progress.MatterStatus;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.PutCondition;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class MatterResultTests {

    @TempDir
    Path spill;

    private static ObjectNode json(String text) {
        return (ObjectNode) MessageCodec.mapper().readTree(text.replace('\'', '"'));
    }

    @Test
    void statusFollowsTheDocuments() {
        assertThat(MatterResult.status(0, 0, 0)).isEqualTo(MatterStatus.FAILED);
        assertThat(MatterResult.status(2, 2, 0)).isEqualTo(MatterStatus.COMPLETED);
        assertThat(MatterResult.status(2, 0, 2)).isEqualTo(MatterStatus.FAILED);
        assertThat(MatterResult.status(2, 1, 1)).isEqualTo(MatterStatus.PARTIAL);
        assertThat(MatterResult.status(2, 1, 0)).isEqualTo(MatterStatus.PARTIAL);
    }

    @Test
    void namesEveryModelAndMergesItemsAcrossDocuments() {
        ObjectNode first = json("{'documentId':'d-1','status':'COMPLETED','models':['llama3'],"
                + "'summary':{'pages':2,'pagesExtracted':2,'pagesFailed':0,'promptTokens':10,'outputTokens':3},"
                + "'failure':null,'items':{'parties':[{'name':'A','pages':[1,2],'quotes':[{'page':1,'quote':'A'}]}]},"
                + "'pages':[]}");
        ObjectNode second = json("{'documentId':'d-2','status':'PARTIAL','models':['qwen','llama3'],"
                + "'summary':{'pages':3,'pagesExtracted':2,'pagesFailed':1,'promptTokens':5,'outputTokens':1},"
                + "'failure':null,'items':{'parties':[{'name':'a','pages':[3],'quotes':[{'page':3,'quote':'a'}]}]},"
                + "'pages':[{'pageNumber':2,'failure':{'reason':'timeout','description':'slow'}}]}");

        MemoryBlobStore store = new MemoryBlobStore();
        store.putBytes(BlobPaths.documentResult("m-1", "d-1"), first.toString().getBytes(StandardCharsets.UTF_8),
                PutCondition.none()).block(Duration.ofSeconds(5));
        store.putBytes(BlobPaths.documentResult("m-1", "d-2"), second.toString().getBytes(StandardCharsets.UTF_8),
                PutCondition.none()).block(Duration.ofSeconds(5));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MatterResult matter = new MatterResult(store, "m-1",
                List.of(new SealedDocument("d-1", "one.pdf"), new SealedDocument("d-2", "two.pdf")), Instant.EPOCH,
                new MergeKey(Set.of()), new AssemblySettings(spill, 64 * 1024, 2, new AssemblyPermits(1)));
                JsonGenerator out = MessageCodec.mapper().createGenerator(bytes)) {
            matter.summarise();
            assertThat(matter.status()).isEqualTo(MatterStatus.PARTIAL);
            matter.write(out);
        }
        JsonNode result = MessageCodec.mapper().readTree(bytes.toByteArray());

        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(result.path("model").asString()).isEqualTo("llama3, qwen");
        assertThat(result.path("summary").path("pages").asInt()).isEqualTo(5);
        assertThat(result.path("summary").path("promptTokens").asInt()).isEqualTo(15);
        assertThat(result.path("failures")).isEqualTo(json("{'f':[{'documentId':'d-2','fileName':'two.pdf',"
                + "'pageNumber':2,'reason':'timeout','description':'slow'}]}").path("f"));
        JsonNode party = result.path("items").path("parties").get(0);
        assertThat(result.path("items").path("parties")).hasSize(1);
        assertThat(party).isEqualTo(json("{'name':'A','documents':[{'documentId':'d-1','fileName':'one.pdf',"
                + "'pages':[1,2]},{'documentId':'d-2','fileName':'two.pdf','pages':[3]}],"
                + "'quotes':[{'documentId':'d-1','page':1,'quote':'A'},{'documentId':'d-2','page':3,'quote':'a'}]}"));
        assertThat(result.path("documents").get(1).path("fileName").asString()).isEqualTo("two.pdf");
        assertThat(result.path("documents").get(1).has("matterId")).isFalse();
    }
}
