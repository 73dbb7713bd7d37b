package io.matterpipeline.testkit.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing the temporary directories that test servers, benchmarks and the embedded pipeline create. */
public final class Directories {

    private Directories() {
    }

    /**
     * Deletes {@code directory} and everything below it, deepest first; nothing when it is null or gone. Best effort:
     * a file that cannot be deleted (or one a process still writing adds meanwhile) is left, and false says so. A
     * temporary directory left behind costs disk, not correctness, so callers that clean up after themselves need
     * not fail on it.
     */
    public static boolean deleteQuietly(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return true;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
        return !Files.exists(directory);
    }
}
