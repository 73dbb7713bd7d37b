package io.matterpipeline.blob;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BlobPathsTests {

    @Test
    void pageNumbersArePaddedToFiveDigitsSoPathsSortInPageOrder() {
        assertThat(BlobPaths.page("m-1", "d-1", 7)).endsWith("/pages/00007.json");
        assertThat(BlobPaths.extraction("m-1", "d-1", 42)).endsWith("/extractions/00042.json");
        assertThat(BlobPaths.page("m-1", "d-1", 12345)).endsWith("/pages/12345.json");
        assertThat(BlobPaths.page("m-1", "d-1", 123456)).endsWith("/pages/123456.json");
        assertThat(BlobPaths.page("m-1", "d-1", 0)).endsWith("/pages/00000.json");
    }
}
