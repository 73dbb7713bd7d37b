package io.matterpipeline.bus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * reactor-kafka 1.3's {@code TransactionManager.sendOffsets(Map, String)} calls a producer method that Kafka 4 clients
 * no longer have: the returned Mono never completes and closing hangs. The adapter uses no transactions at all; this
 * test fails as soon as any of its classes refers to a transaction manager or an offsets-in-transaction call.
 */
class KafkaSendOffsetsTests {

    private static final List<String> FORBIDDEN = List.of("sendOffsets", "sendOffsetsToTransaction",
            "reactor/kafka/sender/TransactionManager", "receiveExactlyOnce", "transactionManager");

    @Test
    void noClassOfTheAdapterReachesTransactionalOffsets() throws IOException, URISyntaxException {
        Path classes = Path.of(KafkaMessageBus.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Path> classFiles;
        try (Stream<Path> files = Files.walk(classes)) {
            classFiles = files.filter(file -> file.toString().endsWith(".class")).toList();
        }

        assertThat(classFiles).as("the adapter's classes").hasSizeGreaterThan(5);
        for (Path classFile : classFiles) {
            // Method and class references live in the constant pool as UTF-8 names: a plain byte search finds them.
            String constants = new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1);
            for (String forbidden : FORBIDDEN) {
                assertThat(constants).as(classFile.getFileName() + " must not refer to " + forbidden)
                        .doesNotContain(forbidden);
            }
        }
    }
}
