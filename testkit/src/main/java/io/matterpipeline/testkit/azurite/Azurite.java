package io.matterpipeline.testkit.azurite;

import io.matterpipeline.testkit.files.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.matterpipeline.testkit.net.LoopbackPorts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Azurite blob service (Microsoft's Azure Storage emulator, npm package {@code azurite}) on a free loopback port,
 * for tests and benchmarks of the Azure blob store.
 *
 * <p>Needs Node.js 18 or newer and npm on the PATH, nothing else: the first start installs the pinned
 * {@code azurite@}{@value #VERSION} with the machine's npm into a cache directory that later starts (and other builds
 * on the machine) reuse. The cache is {@code ~/.cache/matter-pipeline/azurite/}{@value #VERSION}, or the directory in
 * the system property {@code matter-pipeline.azurite.home} or the environment variable
 * {@code MATTER_PIPELINE_AZURITE_HOME}. Each instance stores its blobs in a temporary directory deleted on
 * {@link #close()}. When Node.js or npm is missing, {@link #start()} fails with an {@link IllegalStateException} that
 * names the prerequisite, so a build never passes by skipping the tests that need Azurite.
 *
 * <pre>{@code
 * try (Azurite azurite = Azurite.start()) {
 *     BlobServiceClient client = new BlobServiceClientBuilder()
 *             .connectionString(azurite.connectionString()).buildClient();
 * }
 * }</pre>
 */
public final class Azurite implements AutoCloseable {

    /** The pinned Azurite version. */
    public static final String VERSION = "3.37.0";

    /** Azurite's well-known development account. */
    public static final String ACCOUNT_NAME = "devstoreaccount1";

    /** The well-known key of the development account (public, documented by Microsoft; not a secret). */
    public static final String ACCOUNT_KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static final Logger log = LoggerFactory.getLogger(Azurite.class);
    private static final int MIN_NODE_MAJOR = 18;
    private static final String PREREQUISITE = "Azurite (the Azure Storage emulator the Azure blob store tests run "
            + "against) needs Node.js " + MIN_NODE_MAJOR + " or newer and npm on the PATH";
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int START_ATTEMPTS = 3;

    private static Azurite shared;

    private final Process process;
    private final int port;
    private final Path location;

    private Azurite(Process process, int port, Path location) {
        this.process = process;
        this.port = port;
        this.location = location;
    }

    /** Installs Azurite when needed and starts its blob service on a free loopback port. */
    public static Azurite start() {
        return start(0);
    }

    /**
     * Installs Azurite when needed and starts its blob service on {@code port} of 127.0.0.1 ({@code 0}: a free one).
     *
     * @throws IllegalStateException when Node.js or npm is missing, the install fails or Azurite does not come up
     */
    public static Azurite start(int port) {
        Path main = install();
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            // A free port found here may be taken before Azurite binds it: try again with another.
            int chosen = port == 0 ? LoopbackPorts.next() : port;
            try {
                return launch(main, chosen);
            } catch (IllegalStateException e) {
                last = e;
                if (port != 0) {
                    break;
                }
                log.warn("Azurite did not start on port {} (attempt {}): {}", chosen, attempt, e.getMessage());
            }
        }
        throw last;
    }

    /**
     * One Azurite per JVM, started on first use and stopped when the JVM exits: test classes share it instead of
     * paying the start-up each (they keep apart by using their own containers).
     */
    public static synchronized Azurite shared() {
        if (shared == null || !shared.process.isAlive()) {
            Azurite started = start();
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "azurite-shutdown"));
            shared = started;
        }
        return shared;
    }

    /** The blob endpoint, {@code http://127.0.0.1:PORT/devstoreaccount1}. */
    public String blobEndpoint() {
        return "http://127.0.0.1:" + port + "/" + ACCOUNT_NAME;
    }

    /** A storage connection string for the development account on this instance (blob service only). */
    public String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT_NAME + ";AccountKey=" + ACCOUNT_KEY
                + ";BlobEndpoint=" + blobEndpoint() + ";";
    }

    /** The blob service port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** Whether the Azurite process is running. */
    public boolean isRunning() {
        return process.isAlive();
    }

    /** Stops Azurite (its whole process tree) and deletes its data. */
    @Override
    public void close() {
        stop(process);
        if (!Directories.deleteQuietly(location)) {
            log.warn("could not delete all of Azurite's data in {}", location);
        }
    }

    /** The directory the pinned Azurite is (or will be) installed in. */
    public static Path installDirectory() {
        String configured = System.getProperty("matter-pipeline.azurite.home");
        if (configured == null || configured.isBlank()) {
            configured = System.getenv("MATTER_PIPELINE_AZURITE_HOME");
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".cache", "matter-pipeline", "azurite", VERSION);
    }

    /**
     * Installs the pinned Azurite into {@link #installDirectory()} unless it is there; emits the blob service's main
     * script. Safe when several JVMs (parallel module builds) do it at once: they take turns on a file lock.
     */
    static synchronized Path install() {
        Path home = installDirectory();
        Path main = home.resolve("node_modules/azurite/dist/src/blob/main.js");
        Path marker = home.resolve(".installed-azurite-" + VERSION);
        requireNode(node());
        if (Files.exists(marker) && Files.exists(main)) {
            return main;
        }
        try {
            Files.createDirectories(home);
            try (var channel = java.nio.channels.FileChannel.open(home.resolve(".install.lock"),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                    var lock = channel.lock()) {
                if (Files.exists(marker) && Files.exists(main)) {
                    return main;
                }
                log.info("Installing azurite@{} into {} with npm (once per machine)", VERSION, home);
                Path npmLog = home.resolve("npm-install.log");
                List<String> command = List.of(npm(), "install", "--no-audit", "--no-fund", "--no-save",
                        "--loglevel=error", "--prefix", home.toString(), "azurite@" + VERSION);
                int exit = run(command, home, npmLog, INSTALL_TIMEOUT);
                if (exit != 0 || !Files.exists(main)) {
                    throw new IllegalStateException("npm install azurite@" + VERSION + " failed (exit " + exit
                            + ", log " + npmLog + "): " + tail(npmLog));
                }
                Files.writeString(marker, VERSION + "\n");
                return main;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not install azurite@" + VERSION + " into " + home, e);
        }
    }

    private static Azurite launch(Path main, int port) {
        Path location;
        try {
            location = Files.createTempDirectory("azurite-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path output = location.resolve("azurite.log");
        List<String> command = List.of(node(), main.toString(),
                "--blobHost", "127.0.0.1", "--blobPort", Integer.toString(port),
                "--location", location.toString(),
                // The Java SDK sends a newer x-ms-version than Azurite knows; loose mode ignores headers it lacks.
                "--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
        } catch (IOException e) {
            Directories.deleteQuietly(location);
            throw new IllegalStateException(PREREQUISITE + ": could not run node", e);
        }
        Azurite azurite = new Azurite(process, port, location);
        try {
            azurite.awaitReady(output);
        } catch (RuntimeException e) {
            azurite.close();
            throw e;
        }
        log.info("Azurite {} blob service on {}", VERSION, azurite.blobEndpoint());
        return azurite;
    }

    private void awaitReady(Path output) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(blobEndpoint() + "?comp=list"))
                .timeout(Duration.ofSeconds(2)).GET().build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Azurite exited with " + process.exitValue() + " on port " + port
                        + ": " + tail(output));
            }
            try {
                // Any answer will do (403 without credentials): the service is listening.
                HttpResponse<Void> response = http.send(probe, HttpResponse.BodyHandlers.discarding());
                if (response.headers().firstValue("server").orElse("").startsWith("Azurite")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Azurite", e);
            }
            sleep(100);
        }
        throw new IllegalStateException("Azurite did not answer on port " + port + " within " + START_TIMEOUT + ": "
                + tail(output));
    }

    /** Fails with a message naming the prerequisite unless {@code node} runs and is recent enough. */
    static void requireNode(String node) {
        String version;
        try {
            Path out = Files.createTempFile("node-version", ".txt");
            try {
                int exit = run(List.of(node, "--version"), null, out, Duration.ofSeconds(30));
                version = Files.readString(out).trim();
                if (exit != 0) {
                    throw new IllegalStateException(PREREQUISITE + ": 'node --version' failed: " + version);
                }
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(PREREQUISITE + ": node was not found (" + e.getMessage() + ")", e);
        }
        int major = parseMajor(version);
        if (major < MIN_NODE_MAJOR) {
            throw new IllegalStateException(PREREQUISITE + ", found node " + version);
        }
    }

    static int parseMajor(String nodeVersion) {
        String digits = nodeVersion.startsWith("v") ? nodeVersion.substring(1) : nodeVersion;
        int dot = digits.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? digits : digits.substring(0, dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Runs a command to completion with its output in {@code output}; an IOException means it could not start. */
    private static int run(List<String> command, Path directory, Path output, Duration timeout) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            if (command.get(0).startsWith("npm")) {
                throw new IllegalStateException(PREREQUISITE + ": npm was not found (" + e.getMessage() + ")", e);
            }
            throw e;
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stop(process);
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
            }
        } catch (InterruptedException e) {
            stop(process);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        }
        return process.exitValue();
    }

    private static void stop(Process process) {
        // node may have children; stop the leaves too so that no Azurite outlives the test run.
        List<ProcessHandle> tree = new ArrayList<>();
        process.descendants().forEach(tree::add);
        tree.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                tree.forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            tree.forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static boolean windows() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows");
    }

    private static String node() {
        return windows() ? "node.exe" : "node";
    }

    private static String npm() {
        return windows() ? "npm.cmd" : "npm";
    }

    private static String tail(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.length() <= 2000 ? text : "..." + text.substring(text.length() - 2000);
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Azurite", e);
        }
    }
}
