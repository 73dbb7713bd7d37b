package io.matterpipeline.testkit.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoriesTests {

    @TempDir
    Path parent;

    @Test
    void deletesADirectoryWithEverythingBelowIt() throws IOException {
        Path root = Files.createDirectories(parent.resolve("store/matters/m-1/pages"));
        Files.writeString(root.resolve("1.json"), "{}");
        Files.writeString(parent.resolve("store/top.txt"), "text");
        Path sibling = Files.writeString(parent.resolve("kept.txt"), "kept");

        assertThat(Directories.deleteQuietly(parent.resolve("store"))).isTrue();

        assertThat(parent.resolve("store")).doesNotExist();
        assertThat(sibling).exists();
    }

    @Test
    void aMissingOrAbsentDirectoryIsAlreadyDeleted() {
        assertThat(Directories.deleteQuietly(parent.resolve("never-created"))).isTrue();
        assertThat(Directories.deleteQuietly(null)).isTrue();
    }
}
