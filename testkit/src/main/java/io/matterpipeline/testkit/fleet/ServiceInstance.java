package io.matterpipeline.testkit.fleet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One instance of a service: its jar running as its own OS process on a loopback port. Scale-in stops it with
 * SIGTERM ({@link #terminate()}); chaos with SIGKILL ({@link #kill()}).
 */
final class ServiceInstance {

    enum State { STARTING, READY, TERMINATING, KILLED, EXITED }

    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(800);

    private final String service;
    private final int ordinal;
    private final int port;
    private final Process process;
    private final Instant startedAt;
    private volatile State state = State.STARTING;
    private Instant terminatedAt;
    private boolean readyWhileDraining;

    private ServiceInstance(String service, int ordinal, int port, Process process, Instant startedAt) {
        this.service = service;
        this.ordinal = ordinal;
        this.port = port;
        this.process = process;
        this.startedAt = startedAt;
    }

    /**
     * Starts {@code java <jvmOptions> -jar <jar> --server.port=<port> <arguments>} with the environment added,
     * writing its console to {@code log}.
     */
    static ServiceInstance start(String service, int ordinal, Path jar, int port, List<String> jvmOptions,
            List<String> arguments, Map<String, String> environment, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        command.add("--server.port=" + port);
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        return new ServiceInstance(service, ordinal, port, builder.start(), Instant.now());
    }

    String service() {
        return service;
    }

    String name() {
        return service + "-" + ordinal;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    Instant startedAt() {
        return startedAt;
    }

    State state() {
        return state;
    }

    /** Whether it counts toward the scale set's capacity: started and not being removed. */
    boolean inService() {
        return state == State.STARTING || state == State.READY;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Updates the state from the process and its readiness probe; returns it. */
    State poll(HttpClient http) {
        if (!process.isAlive()) {
            if (state != State.KILLED) {
                state = State.EXITED;
            }
            return state;
        }
        if (state == State.STARTING && ready(http)) {
            state = State.READY;
        } else if (state == State.TERMINATING && ready(http)) {
            readyWhileDraining = true;
        }
        return state;
    }

    /** Whether {@code /actuator/health/readiness} answers 200 right now. */
    boolean ready(HttpClient http) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/actuator/health/readiness")).timeout(PROBE_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Scale-in: SIGTERM, the service drains and exits by itself. */
    void terminate() {
        if (inService()) {
            state = State.TERMINATING;
            terminatedAt = Instant.now();
            process.destroy();
        }
    }

    /** Chaos: SIGKILL, nothing is drained or settled. */
    void kill() {
        state = State.KILLED;
        process.destroyForcibly();
    }

    /** Whether its readiness probe answered 200 after the SIGTERM (a load balancer would still send it work). */
    boolean readyWhileDraining() {
        return readyWhileDraining;
    }

    /** When {@link #terminate()} was called, or null. */
    Instant terminatedAt() {
        return terminatedAt;
    }

    /** Waits for the process to end; SIGKILL after {@code grace}. */
    void awaitExit(Duration grace) throws InterruptedException {
        if (!process.waitFor(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** The exit code, once ended. */
    int exitValue() {
        return process.exitValue();
    }

    @Override
    public String toString() {
        return name() + "[pid " + process.pid() + ", port " + port + ", " + state + "]";
    }
}
