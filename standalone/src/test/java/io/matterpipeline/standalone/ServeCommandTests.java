package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.testkit.ollama.OllamaSimulator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} refuses what it cannot serve with one line and exit status 1. A class of its own: a web context that
 * fails to start disposes Reactor Netty's global event loops on its way down, and with them any simulator in this JVM
 * that runs on them, so its simulator lives only for its test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServeCommandTests {

    @TempDir
    Path work;

    @Test
    void aPortInUseIsAnErrorNotAServerThatNeverListens() throws IOException {
        try (OllamaSimulator model = OllamaSimulator.start();
                ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int exit = MatterPipelineCommand.commandLine().execute("serve", "--port",
                    String.valueOf(taken.getLocalPort()), "--address", "127.0.0.1", "--data-dir",
                    work.resolve("data").toString(), "--model-url", model.baseUrl());

            assertThat(exit).isEqualTo(1);
        }
    }

    @Test
    void aPortOutOfRangeIsRefusedBeforeAnythingStarts() {
        int exit = MatterPipelineCommand.commandLine().execute("serve", "--port", "70000", "--data-dir",
                work.resolve("data").toString());

        assertThat(exit).isEqualTo(1);
        assertThat(work.resolve("data")).doesNotExist();
    }
}
