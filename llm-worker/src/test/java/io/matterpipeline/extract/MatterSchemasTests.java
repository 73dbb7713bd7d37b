package io.matterpipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.error.BadInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

class MatterSchemasTests {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final String OWN = "{\"type\": \"object\", \"required\": [\"title\"], "
            + "\"properties\": {\"title\": {\"type\": \"string\"}}}";

    @TempDir
    Path root;

    FileSystemBlobStore blobs;

    @AfterEach
    void close() {
        if (blobs != null) {
            blobs.close();
        }
    }

    MatterSchemas schemas() {
        blobs = FileSystemBlobStore.create(root);
        return new MatterSchemas(blobs, ExtractionSchema.legal(), 2);
    }

    void store(String matterId, String schema) {
        blobs.putBytes(BlobPaths.matterSchema(matterId), schema.getBytes(StandardCharsets.UTF_8), PutCondition.none())
                .block(WAIT);
    }

    @Test
    void matterWithoutItsOwnSchemaGetsTheDefault() {
        MatterSchemas schemas = schemas();

        assertThat(schemas.forMatter("m1").block(WAIT)).isSameAs(schemas.fallback());
    }

    @Test
    void matterWithItsOwnSchemaGetsItAndAnswersAreCheckedAgainstIt() {
        MatterSchemas schemas = schemas();
        store("m1", OWN);

        ExtractionSchema schema = schemas.forMatter("m1").block(WAIT);

        assertThat(schema.text()).isEqualTo(OWN);
        assertThat(schema.check("{\"title\": \"Lease\"}").valid()).isTrue();
        assertThat(schema.check(PageExtractorTests.VALID).errors()).anySatisfy(error ->
                assertThat(error).contains("title"));
    }

    @Test
    void schemaIsCachedOncePerMatter() {
        MatterSchemas schemas = schemas();
        store("m1", OWN);
        ExtractionSchema first = schemas.forMatter("m1").block(WAIT);
        blobs.deleteAll(java.util.List.of(BlobPaths.matterSchema("m1"))).block(WAIT);

        assertThat(schemas.forMatter("m1").block(WAIT)).isSameAs(first);
    }

    @Test
    void schemaThatIsNotAnObjectSchemaIsBadInput() {
        MatterSchemas schemas = schemas();
        store("m1", "{\"type\": \"array\"}");
        store("m2", "not json");

        StepVerifier.create(schemas.forMatter("m1"))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(BadInputException.class)
                        .hasMessageContaining("type"))
                .verify(WAIT);
        StepVerifier.create(schemas.forMatter("m2"))
                .expectErrorSatisfies(error -> assertThat(((BadInputException) error).reason())
                        .isEqualTo(MatterSchemas.INVALID_SCHEMA))
                .verify(WAIT);
    }
}
