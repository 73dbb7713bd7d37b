package io.matterpipeline.testkit.servicebus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A second, independent client: {@code @azure/service-bus} for Node.js runs {@code servicebus/node-conformance.mjs}
 * (send, batch, receive, complete, abandon, dead-letter, renew lock, peek, receive-and-delete, scheduled) against
 * the emulator. The pinned package is installed with the machine's npm into {@code target/servicebus-node} on first
 * use; the test is skipped when Node.js or npm is missing or the install cannot reach the registry.
 */
@Timeout(300)
class ServiceBusEmulatorNodeClientTests {

    static final String PACKAGE = "@azure/service-bus@7.9.5";
    private static final Path HOME = Path.of("target", "servicebus-node").toAbsolutePath();
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(4);
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);

    @Test
    void nodeClientPassesTheConformanceScript() throws Exception {
        QuietLogs.apply();
        String node = executable("node");
        String npm = executable("npm");
        if (!runs(List.of(node, "--version")) || !runs(List.of(npm, "--version"))) {
            abort("Node.js and npm are not on the PATH: the @azure/service-bus conformance test is skipped");
        }
        Path script = install(npm);

        try (ServiceBusEmulator emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueues("nodebasic", "nodebatch", "nodeabandon", "nodedeadletter", "nodepeek", "nodedelete",
                        "nodescheduled")
                .withQueue(QueueOptions.named("noderenew").withLockDuration(Duration.ofSeconds(2))))) {
            ProcessBuilder process = new ProcessBuilder(node, script.toString()).directory(HOME.toFile())
                    .redirectErrorStream(true);
            process.environment().put("SERVICEBUS_CONNECTION_STRING", emulator.connectionString());
            Path output = HOME.resolve("conformance.log");
            process.redirectOutput(output.toFile());
            Process running = process.start();
            boolean finished = running.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (!finished) {
                running.destroyForcibly();
            }
            String log = Files.readString(output, StandardCharsets.UTF_8);

            assertThat(finished).as("node finished within %s; output:%n%s", RUN_TIMEOUT, log).isTrue();
            assertThat(running.exitValue()).as("node exit code; output:%n%s", log).isZero();
            assertThat(log).contains("ok sendReceiveComplete", "ok batch", "ok abandon", "ok deadLetter",
                    "ok renewLock", "ok peek", "ok receiveAndDelete", "ok scheduled", "ALL OK");
        }
    }

    /** Installs the pinned client once into target/ and puts the conformance script next to its node_modules. */
    private static Path install(String npm) throws IOException, InterruptedException {
        Files.createDirectories(HOME);
        Path installed = HOME.resolve("node_modules/@azure/service-bus/package.json");
        String version = PACKAGE.substring(PACKAGE.lastIndexOf('@') + 1);
        if (!Files.exists(installed) || !Files.readString(installed).contains("\"version\": \"" + version + "\"")) {
            Files.writeString(HOME.resolve("package.json"), "{\"private\": true}\n");
            Path npmLog = HOME.resolve("npm-install.log");
            ProcessBuilder install = new ProcessBuilder(npm, "install", "--no-audit", "--no-fund", "--no-save",
                    "--loglevel", "error", PACKAGE).directory(HOME.toFile()).redirectErrorStream(true)
                    .redirectOutput(npmLog.toFile());
            Process running = install.start();
            if (!running.waitFor(INSTALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                running.destroyForcibly();
                abort("npm install " + PACKAGE + " did not finish within " + INSTALL_TIMEOUT + " (offline?): skipped");
            }
            if (running.exitValue() != 0) {
                abort("npm install " + PACKAGE + " failed (offline?), see " + npmLog + ": skipped");
            }
        }
        Path script = HOME.resolve("node-conformance.mjs");
        try (InputStream source = ServiceBusEmulatorNodeClientTests.class
                .getResourceAsStream("/servicebus/node-conformance.mjs")) {
            assertThat(source).as("servicebus/node-conformance.mjs on the test classpath").isNotNull();
            Files.copy(source, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return script;
    }

    private static boolean runs(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String executable(String name) {
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win");
        return windows && name.equals("npm") ? "npm.cmd" : name;
    }
}
