package io.matterpipeline.blob.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.BlobStoreContractTests;
import io.matterpipeline.blob.PutCondition;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InMemoryBlobStoreTests extends BlobStoreContractTests {

    private final InMemoryBlobStore store = InMemoryBlobStore.create();

    @Override
    protected BlobStore store() {
        return store;
    }

    @Test
    void readersGetCopiesThatCannotChangeTheStoredBlob() {
        String path = prefix + "page.json";
        byte[] written = "page".getBytes(StandardCharsets.UTF_8);
        store.putBytes(path, written, PutCondition.none()).block(timeout());

        written[0] = 'X';
        store.read(path).block(timeout()).bytes()[1] = 'X';

        assertThat(new String(store.read(path).block(timeout()).bytes(), StandardCharsets.UTF_8)).isEqualTo("page");
        assertThat(store.get(path).blockFirst(timeout()).isReadOnly()).isTrue();
    }
}
