package io.matterpipeline.testkit.servicebus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ServiceBusEmulatorFilesTests {

    /**
     * Vert.x creates a {@code vertx-cache-*} directory in {@code java.io.tmpdir} for class-path files unless told not
     * to, and only a clean close removes it: every emulator process a fleet run kills left one behind.
     */
    @Test
    void aRunningEmulatorKeepsNoFileCacheInTheTemporaryDirectory() throws IOException {
        Set<Path> before = vertxCaches();
        try (ServiceBusEmulator emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueue(QueueOptions.named("pages")))) {
            assertThat(emulator.connectionString()).contains("UseDevelopmentEmulator=true");

            assertThat(vertxCaches()).isSubsetOf(before);
        }
    }

    private static Set<Path> vertxCaches() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(path -> path.getFileName().toString().startsWith("vertx-cache-"))
                    .collect(Collectors.toSet());
        }
    }
}
