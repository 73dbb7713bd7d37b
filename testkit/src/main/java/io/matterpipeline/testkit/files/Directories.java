package io.matterpipeline.testkit.files;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Removing the temporary directories that test servers, benchmarks and the embedded pipeline create. */
public final class Directories {

    private Directories() {
    }

    /**
     * Deletes {@code directory} and everything below it, deepest first; nothing when it is null or gone. Best effort:
     * an entry that vanishes meanwhile (a process still finishing its writes) is passed over, one that cannot be
     * deleted is left, and false says something was. A temporary directory left behind costs disk, not correctness,
     * so callers that clean up after themselves need not fail on it.
     */
    public static boolean deleteQuietly(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return true;
        }
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    file.toFile().delete();
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException failure) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path visited, IOException failure) {
                    visited.toFile().delete();
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException vanished) {
            return true;
        } catch (IOException e) {
            return false;
        }
        return !Files.exists(directory);
    }
}
