package io.matterpipeline.standalone.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * kafkajs from npm, installed on first use into {@code ~/.cache/matter-pipeline/kafkajs} (pinned, no dependencies),
 * and a way to run a script against it with Node.js. Fails with a clear message when Node.js or npm is missing.
 */
final class KafkaJs {

    static final String VERSION = "2.2.4";
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(3);

    private KafkaJs() {
    }

    /** Runs the classpath script {@code resource} with these arguments; returns its stdout, fails on a non-zero exit. */
    static String run(String resource, Duration timeout, String... arguments) throws IOException, InterruptedException {
        Path home = install();
        Path script = home.resolve(Path.of(resource).getFileName().toString());
        try (InputStream in = KafkaJs.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("No script " + resource + " on the classpath");
            }
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> command = new java.util.ArrayList<>(List.of("node", script.toString()));
        command.addAll(List.of(arguments));
        Path output = Files.createTempFile("kafkajs-", ".out");
        Path errors = Files.createTempFile("kafkajs-", ".err");
        try {
            Process node = new ProcessBuilder(command).directory(home.toFile())
                    .redirectOutput(output.toFile()).redirectError(errors.toFile()).start();
            if (!node.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                node.destroyForcibly();
                throw new AssertionError("kafkajs script did not finish within " + timeout + ": "
                        + Files.readString(errors));
            }
            if (node.exitValue() != 0) {
                throw new AssertionError("kafkajs script failed: " + Files.readString(errors));
            }
            return Files.readString(output, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(output);
            Files.deleteIfExists(errors);
        }
    }

    private static synchronized Path install() throws IOException, InterruptedException {
        Path home = Path.of(System.getProperty("user.home"), ".cache", "matter-pipeline", "kafkajs-" + VERSION);
        if (Files.isRegularFile(home.resolve("node_modules/kafkajs/package.json"))) {
            return home;
        }
        Files.createDirectories(home);
        Files.writeString(home.resolve("package.json"), "{\"private\":true}");
        Process npm;
        try {
            npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "kafkajs@" + VERSION)
                    .directory(home.toFile()).redirectErrorStream(true)
                    .redirectOutput(home.resolve("npm-install.log").toFile()).start();
        } catch (IOException missing) {
            throw new IllegalStateException("The kafkajs interop test needs Node.js and npm on the PATH", missing);
        }
        if (!npm.waitFor(INSTALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || npm.exitValue() != 0) {
            npm.destroyForcibly();
            throw new IllegalStateException("npm install kafkajs@" + VERSION + " failed: "
                    + Files.readString(home.resolve("npm-install.log")));
        }
        return home;
    }
}
