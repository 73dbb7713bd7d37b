package io.matterpipeline.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The npm tools the infrastructure tests run, installed with the machine's npm the way testkit's {@code Azurite} is:
 * once per machine into {@code ~/.cache/matter-pipeline/infra-tools/<key>} (or the directory in the system property
 * {@code matter-pipeline.infra-tools.home} / the environment variable {@code MATTER_PIPELINE_INFRA_TOOLS_HOME}),
 * under a file lock so that parallel builds take turns, with a marker file written only after a complete install.
 *
 * <ul>
 *   <li>{@code @cdktn/hcl2json} — HashiCorp's HCL parser compiled to WASM: Terraform files to JSON, syntax errors with
 *       file and line;</li>
 *   <li>{@code @cdktn/provider-azurerm} — generated from the azurerm provider; its {@code .jsii} lists every resource's
 *       arguments and nested blocks with their required flags, extracted once into {@code azurerm-schema.json};</li>
 *   <li>{@code kubernetes-models} and {@code @kubernetes-models/keda} — the Kubernetes and KEDA JSON schemas.</li>
 * </ul>
 *
 * <p>Without Node.js or npm, or when the install fails, every use fails with an {@link IllegalStateException} naming
 * the prerequisite: the build never passes by skipping these checks.
 */
final class InfraTools {

    /** Exactly what is installed; a change installs into a fresh directory. */
    static final List<String> PACKAGES = List.of("@cdktn/hcl2json@0.24.0", "@cdktn/provider-azurerm@16.1.0",
            "kubernetes-models@5.1.0", "@kubernetes-models/keda@2.0.0");
    static final String KEY = "v1-hcl2json-0.24.0-azurerm-16.1.0-k8s-5.1.0-keda-2.0.0";

    private static final String PREREQUISITE = "The infrastructure tests need Node.js 18 or newer and npm on the PATH "
            + "(they install " + String.join(", ", PACKAGES) + " from the npm registry once per machine)";
    private static final List<String> SCRIPTS = List.of("parse-hcl.js", "extract-schema.js", "validate-k8s.mjs");
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static InfraTools installed;

    private final Path home;
    private JsonNode schema;

    private InfraTools(Path home) {
        this.home = home;
    }

    /** The tools, installed on first use. */
    static synchronized InfraTools get() {
        if (installed == null) {
            installed = new InfraTools(install());
        }
        return installed;
    }

    /** Parses Terraform files: {@code {"files": {path: json}, "errors": [{"file", "message"}]}}. */
    JsonNode parseHcl(List<Path> files) {
        List<String> command = new ArrayList<>(List.of(node(), home.resolve("parse-hcl.js").toString()));
        files.forEach(file -> command.add(file.toAbsolutePath().toString()));
        return JSON.readTree(run(command));
    }

    /** The azurerm provider schema ({@code resources}, {@code dataSources}, {@code structs}), extracted once. */
    synchronized JsonNode azurermSchema() {
        if (schema == null) {
            Path extracted = home.resolve("azurerm-schema.json");
            if (!Files.exists(extracted)) {
                Path partial = home.resolve("azurerm-schema.json.part");
                run(List.of(node(), home.resolve("extract-schema.js").toString(),
                        home.resolve("node_modules/@cdktn/provider-azurerm/.jsii").toString(), partial.toString()));
                move(partial, extracted);
            }
            schema = JSON.readTree(extracted.toFile());
        }
        return schema;
    }

    /** Validates manifests against the Kubernetes and KEDA schemas: {@code {"results": [{"kind", "name", "error"}]}}. */
    JsonNode validateKubernetes(JsonNode manifests) {
        try {
            Path input = Files.createTempFile(home, "manifests-", ".json");
            try {
                JSON.writeValue(input.toFile(), manifests);
                return JSON.readTree(run(List.of(node(), home.resolve("validate-k8s.mjs").toString(),
                        input.toString())));
            } finally {
                Files.deleteIfExists(input);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path home() {
        String configured = System.getProperty("matter-pipeline.infra-tools.home");
        if (configured == null || configured.isBlank()) {
            configured = System.getenv("MATTER_PIPELINE_INFRA_TOOLS_HOME");
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".cache", "matter-pipeline", "infra-tools", KEY);
    }

    private static Path install() {
        Path home = home();
        Path marker = home.resolve(".installed");
        try {
            Files.createDirectories(home);
            try (FileChannel channel = FileChannel.open(home.resolve(".install.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); var lock = channel.lock()) {
                if (!Files.exists(marker)) {
                    Files.writeString(home.resolve("package.json"), "{\"private\": true}\n");
                    List<String> command = new ArrayList<>(List.of(npm(), "install", "--no-audit", "--no-fund",
                            "--no-save", "--loglevel=error",
                            // @cdktn/provider-azurerm names a peer (the cdktn library) it does not need for its .jsii.
                            "--legacy-peer-deps"));
                    command.addAll(PACKAGES);
                    Path log = home.resolve("npm-install.log");
                    int exit = exec(command, home, log, INSTALL_TIMEOUT);
                    if (exit != 0) {
                        throw new IllegalStateException("npm install " + String.join(" ", PACKAGES) + " failed (exit "
                                + exit + ", log " + log + "): " + tail(log));
                    }
                    Files.writeString(marker, String.join("\n", PACKAGES) + "\n");
                }
                // The scripts are refreshed on every run: they live next to node_modules so that require() finds it.
                for (String script : SCRIPTS) {
                    try (InputStream in = InfraTools.class.getResourceAsStream("/node/" + script)) {
                        Path target = home.resolve(script + ".part");
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                        move(target, home.resolve(script));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not install the infrastructure test tools into " + home, e);
        }
        return home;
    }

    private String run(List<String> command) {
        try {
            Path output = Files.createTempFile(home, "out-", ".json");
            Path errors = Files.createTempFile(home, "err-", ".txt");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
                        .redirectOutput(output.toFile()).redirectError(errors.toFile());
                int exit = await(start(builder, command), command, RUN_TIMEOUT);
                if (exit != 0) {
                    throw new IllegalStateException(String.join(" ", command) + " failed (exit " + exit + "): "
                            + tail(errors));
                }
                return Files.readString(output, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(output);
                Files.deleteIfExists(errors);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int exec(List<String> command, Path directory, Path log, Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        return await(start(builder, command), command, timeout);
    }

    private static Process start(ProcessBuilder builder, List<String> command) {
        try {
            return builder.start();
        } catch (IOException e) {
            throw new IllegalStateException(PREREQUISITE + ": could not run " + command.get(0) + " ("
                    + e.getMessage() + ")", e);
        }
    }

    private static int await(Process process, List<String> command, Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.length() <= 2000 ? text : "..." + text.substring(text.length() - 2000);
        } catch (IOException e) {
            return "(no output)";
        }
    }

    private static boolean windows() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    }

    private static String node() {
        return windows() ? "node.exe" : "node";
    }

    private static String npm() {
        return windows() ? "npm.cmd" : "npm";
    }
}
