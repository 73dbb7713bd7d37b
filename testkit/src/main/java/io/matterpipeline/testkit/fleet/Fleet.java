package io.matterpipeline.testkit.fleet;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import io.matterpipeline.testkit.net.LoopbackPorts;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import io.matterpipeline.testkit.servicebus.QueueStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * A fleet on one machine: the Service Bus emulator as its own process with a data directory, the model simulator,
 * and every service as its own OS processes from its jar over a shared filesystem blob store; a local autoscaler
 * applying the scaling file's rules to each queue's active messages (scale-out starts processes, scale-in sends
 * SIGTERM); a replacement for every instance that dies (the scale set's instance repair); chaos that SIGKILLs
 * instances and the broker. One Matter goes through it; the run is written down as a timeline.
 */
public final class Fleet {

    private static final Logger log = LoggerFactory.getLogger(Fleet.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> QUEUES = List.of("documents", "pages", "results", "matters-completed",
            "ingest-requests", "blob-events");
    /** Generous: on a loaded two-core machine a Spring Boot service has taken 150 s to start. */
    private static final Duration START_WITHIN = Duration.ofMinutes(8);
    private static final String ADMIN_TOKEN = "fleet-admin-token-0123456789abcdef0123456789";

    private final FleetPlan plan;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final Random random;
    private final Map<String, Autoscaler> autoscalers = new LinkedHashMap<>();
    private final Map<String, List<ServiceInstance>> instances = new LinkedHashMap<>();
    private final Map<String, Integer> ordinals = new LinkedHashMap<>();
    private final Map<String, Integer> kills = new LinkedHashMap<>();
    private final List<String> events = new ArrayList<>();
    private final List<TimelinePoint> timeline = new ArrayList<>();
    private final List<Double> drainSeconds = new ArrayList<>();
    private final Path blobRoot;
    private final Path logs;
    private Instant startedAt;
    private Broker broker;
    private OllamaSimulator model;
    private String modelUrl;
    private int brokerKills;
    private Instant brokerBackAt;
    private Instant nextKill;
    private Instant nextBrokerKill;
    private int gracelessStops;
    private int readyWhileDraining;

    public Fleet(FleetPlan plan) {
        this.plan = plan;
        this.random = new Random(plan.seed());
        this.blobRoot = plan.out().resolve("blobs");
        this.logs = plan.out().resolve("logs");
    }

    /** Runs the Matter through the fleet and returns the summary; the files are in the plan's {@code out}. */
    public FleetSummary run() throws IOException, InterruptedException {
        // Every service's jar is there before anything starts: a missing build is one error, not a half-started fleet.
        for (String service : FleetPlan.SERVICES) {
            jar(service);
        }
        Files.createDirectories(plan.out());
        Files.createDirectories(blobRoot);
        Files.createDirectories(logs);
        startedAt = Instant.now();
        Path timelineFile = plan.out().resolve("timeline.jsonl");
        try (BufferedWriter timelineOut = Files.newBufferedWriter(timelineFile, StandardCharsets.UTF_8)) {
            return runWith(timelineOut);
        } finally {
            stopEverything();
            Files.writeString(plan.out().resolve("timeline.svg"), TimelineChart.svg("matter-pipeline fleet: "
                    + plan.matter().getFileName(), timeline, queueOfEachService()), StandardCharsets.UTF_8);
        }
    }

    private FleetSummary runWith(BufferedWriter timelineOut) throws IOException, InterruptedException {
        model = OllamaSimulator.start(OllamaSimulatorOptions.builder().latency(plan.modelLatency())
                .slots(plan.modelSlots()).maxQueue(Math.max(OllamaSimulatorOptions.DEFAULT_MAX_QUEUE,
                        plan.modelSlots() * 4)).build());
        modelUrl = model.baseUrl();
        broker = new Broker(QUEUES, LoopbackPorts.next(), LoopbackPorts.next(), plan.out().resolve("broker"),
                plan.lockDuration(), 10, logs.resolve("servicebus.log"));
        broker.start(http, START_WITHIN);
        for (String service : FleetPlan.SERVICES) {
            Autoscaler autoscaler = new Autoscaler(plan.rules().get(service));
            autoscalers.put(service, autoscaler);
            instances.put(service, new ArrayList<>());
            for (int i = 0; i < autoscaler.capacity(); i++) {
                startInstance(service);
            }
        }
        awaitAllReady();
        ServiceInstance ingest = instances.get("ingest-service").stream()
                .filter(instance -> instance.state() == ServiceInstance.State.READY).findFirst().orElseThrow();
        Instant sealedAt = Instant.now();
        String matterId = new MatterUpload(http, "http://127.0.0.1:" + ingest.port(), ADMIN_TOKEN)
                .submit(plan.matter(), plan.matter().getFileName().toString());
        events.add("sealed " + matterId);
        log.info("Matter {} sealed after {} s", matterId, seconds(sealedAt));
        Path resultBlob = blobRoot.resolve("blobs").resolve("matters").resolve(matterId).resolve("result.json");

        Instant deadline = Instant.now().plus(plan.timeout());
        Instant resultAt = null;
        Map<String, Instant> reachedMaximum = new LinkedHashMap<>();
        Instant pagesEmptyAt = null;
        Instant backAtMinimumAt = null;
        Map<String, Integer> mostInstances = new LinkedHashMap<>();
        while (true) {
            Instant now = Instant.now();
            Map<String, QueueStats> stats = broker.alive() ? broker.stats(http) : null;
            reap();
            if (stats != null) {
                for (Map.Entry<String, Autoscaler> entry : autoscalers.entrySet()) {
                    Autoscaler autoscaler = entry.getValue();
                    int before = autoscaler.capacity();
                    Map<String, Integer> active = new LinkedHashMap<>();
                    stats.forEach((queue, queueStats) -> active.put(queue, queueStats.active()));
                    int after = autoscaler.evaluate(now, active);
                    if (after != before) {
                        events.add((after > before ? "scale-out " : "scale-in ") + entry.getKey() + " " + before
                                + "->" + after);
                    }
                    if (after == autoscaler.rule().maxInstances() && autoscaler.rule().maxInstances()
                            > autoscaler.rule().defaultInstances()) {
                        reachedMaximum.putIfAbsent(entry.getKey(), now);
                    }
                }
            }
            reconcile();
            int pagesDone = pagesDone(matterId);
            chaos(now, pagesDone);
            if (resultAt == null && Files.exists(resultBlob)) {
                resultAt = now;
                events.add("result " + matterId);
                log.info("Result of {} after {} s", matterId, Duration.between(sealedAt, now).toMillis() / 1000.0);
            }
            if (stats != null && pagesEmptyAt == null && pagesDone > 0 && stats.get("pages").active() == 0) {
                pagesEmptyAt = now;
            }
            TimelinePoint point = point(now, stats, pagesDone);
            point.instances().forEach((service, count) -> mostInstances.merge(service, count, Math::max));
            timeline.add(point);
            timelineOut.write(JSON.writeValueAsString(point));
            timelineOut.newLine();
            timelineOut.flush();
            events.clear();
            boolean atMinimum = autoscalers.entrySet().stream().allMatch(entry -> entry.getValue().capacity()
                    == entry.getValue().rule().minInstances() && instances.get(entry.getKey()).size()
                    == entry.getValue().rule().minInstances());
            if (resultAt != null && atMinimum && backAtMinimumAt == null) {
                backAtMinimumAt = now;
            }
            if (resultAt != null && (!plan.untilMinimum() || backAtMinimumAt != null) && broker.alive()) {
                break;
            }
            if (now.isAfter(deadline)) {
                throw new IllegalStateException("The fleet did not finish within " + plan.timeout() + " (result "
                        + (resultAt != null) + ", pages done " + pagesDone + "); see " + plan.out());
            }
            Thread.sleep(Math.max(10, plan.poll().toMillis() - Duration.between(now, Instant.now()).toMillis()));
        }
        Files.copy(resultBlob, plan.out().resolve("result.json"), StandardCopyOption.REPLACE_EXISTING);
        TimelinePoint last = timeline.get(timeline.size() - 1);
        FleetSummary summary = new FleetSummary(matterId,
                JSON.readTree(resultBlob.toFile()).path("status").asString(), last.pagesDone(),
                round(Duration.between(sealedAt, resultAt)), since(sealedAt, reachedMaximum),
                pagesEmptyAt == null ? null : round(Duration.between(sealedAt, pagesEmptyAt)),
                backAtMinimumAt == null ? null : round(Duration.between(resultAt, backAtMinimumAt)),
                mostInstances, last.redeliveries(), last.deadLetters(), Map.copyOf(kills), brokerKills,
                drainSeconds.stream().mapToDouble(Double::doubleValue).max().orElse(0), drainSeconds.size(),
                gracelessStops, readyWhileDraining,
                plan.modelLatency().toMillis(), plan.lockDuration().toMillis() / 1000.0);
        Files.writeString(plan.out().resolve("summary.json"), JSON.writeValueAsString(summary));
        return summary;
    }

    private void awaitAllReady() throws InterruptedException {
        Instant deadline = Instant.now().plus(START_WITHIN);
        while (true) {
            reap();
            reconcile();
            boolean allReady = instances.values().stream().flatMap(List::stream)
                    .allMatch(instance -> instance.poll(http) == ServiceInstance.State.READY);
            if (allReady) {
                events.add("fleet ready");
                timeline.add(point(Instant.now(), broker.stats(http), 0));
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("The services did not all become ready within " + START_WITHIN
                        + ": " + instances + "; see " + logs);
            }
            Thread.sleep(250);
        }
    }

    /** Forgets instances that ended: a SIGTERMed one that drained, a killed one, one that crashed. */
    private void reap() {
        for (List<ServiceInstance> list : instances.values()) {
            list.removeIf(instance -> {
                ServiceInstance.State before = instance.state();
                ServiceInstance.State state = instance.poll(http);
                if (state != ServiceInstance.State.EXITED && state != ServiceInstance.State.KILLED) {
                    return false;
                }
                if (before == ServiceInstance.State.TERMINATING) {
                    if (instance.readyWhileDraining()) {
                        readyWhileDraining++;
                    }
                    double drained = round(Duration.between(instance.terminatedAt(), Instant.now()));
                    drainSeconds.add(drained);
                    events.add("stopped " + instance.name() + " after " + drained + " s, exit "
                            + instance.exitValue());
                } else if (state == ServiceInstance.State.EXITED) {
                    events.add("exited " + instance.name() + " (exit " + instance.exitValue() + "), see "
                            + logs.resolve(instance.name() + ".log"));
                }
                return true;
            });
        }
    }

    /**
     * Brings every service to its capacity: starts instances (scale-out, or replacing one that died), or SIGTERMs the
     * newest ones (scale-in). A SIGTERMed instance that has not exited after twice its grace is SIGKILLed and counted.
     */
    private void reconcile() {
        for (Map.Entry<String, Autoscaler> entry : autoscalers.entrySet()) {
            String service = entry.getKey();
            List<ServiceInstance> list = instances.get(service);
            List<ServiceInstance> inService = list.stream().filter(ServiceInstance::inService).toList();
            for (int i = inService.size(); i < entry.getValue().capacity(); i++) {
                startInstance(service);
            }
            for (int i = entry.getValue().capacity(); i < inService.size(); i++) {
                ServiceInstance newest = inService.get(inService.size() - 1 - (i - entry.getValue().capacity()));
                newest.terminate();
                events.add("sigterm " + newest.name());
            }
            for (ServiceInstance instance : list) {
                if (instance.state() == ServiceInstance.State.TERMINATING && instance.alive() && Instant.now()
                        .isAfter(instance.terminatedAt().plus(plan.shutdownGrace().multipliedBy(2)))) {
                    gracelessStops++;
                    events.add("sigkill " + instance.name() + " (did not stop within twice its grace)");
                    instance.kill();
                }
            }
        }
    }

    private void chaos(Instant now, int pagesDone) throws IOException, InterruptedException {
        FleetPlan.Chaos chaos = plan.chaos();
        if (brokerBackAt != null && !now.isBefore(brokerBackAt)) {
            brokerBackAt = null;
            broker.start(http, START_WITHIN);
            events.add("broker restarted");
        }
        if (pagesDone < chaos.afterPages()) {
            return;
        }
        if (chaos.killsInstances()) {
            if (nextKill == null) {
                nextKill = now;
            }
            if (!now.isBefore(nextKill)) {
                nextKill = now.plus(chaos.killEvery());
                for (String service : FleetPlan.SERVICES) {
                    if (chaos.killsPerService() > 0 && kills.getOrDefault(service, 0) >= chaos.killsPerService()) {
                        continue;
                    }
                    List<ServiceInstance> candidates = instances.get(service).stream()
                            .filter(instance -> instance.state() == ServiceInstance.State.READY).toList();
                    if (!candidates.isEmpty()) {
                        ServiceInstance victim = candidates.get(random.nextInt(candidates.size()));
                        victim.kill();
                        kills.merge(service, 1, Integer::sum);
                        events.add("kill " + victim.name());
                    }
                }
            }
        }
        if (chaos.killsBroker() && brokerBackAt == null && (chaos.brokerKills() == 0
                || brokerKills < chaos.brokerKills())) {
            if (nextBrokerKill == null) {
                // The first broker kill comes one period after chaos begins, apart from the instance kills.
                nextBrokerKill = now.plus(chaos.brokerKillEvery());
            }
            if (!now.isBefore(nextBrokerKill)) {
                nextBrokerKill = now.plus(chaos.brokerKillEvery());
                broker.kill();
                brokerKills++;
                brokerBackAt = now.plus(chaos.brokerDown());
                events.add("kill broker");
            }
        }
    }

    private void startInstance(String service) {
        int ordinal = ordinals.merge(service, 1, Integer::sum);
        String name = service + "-" + ordinal;
        try {
            ServiceInstance instance = ServiceInstance.start(service, ordinal, jar(service), LoopbackPorts.next(),
                    plan.jvmOptions(), arguments(service), Map.of("MATTER_PIPELINE_ADMIN_TOKEN", ADMIN_TOKEN),
                    logs.resolve(name + ".log"));
            instances.get(service).add(instance);
            events.add("start " + name);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name, e);
        }
    }

    /** The settings of one service process: the shared bus and store, its consumers' grace, the model for workers. */
    private List<String> arguments(String service) {
        List<String> arguments = new ArrayList<>(List.of(
                "--matter-pipeline.bus.type=servicebus",
                "--matter-pipeline.bus.servicebus.connection-string=" + broker.connectionString(),
                "--matter-pipeline.bus.servicebus.reconnect-delay=500ms",
                "--matter-pipeline.bus.servicebus.max-reconnect-delay=5s",
                "--matter-pipeline.blob.type=filesystem",
                "--matter-pipeline.blob.filesystem.root=" + blobRoot,
                "--logging.level.com.azure=WARN",
                "--logging.structured.format.console="));
        String consumer = switch (service) {
            case "ingest-service" -> "ingest.requests";
            case "page-splitter" -> "splitter";
            case "llm-worker" -> "worker";
            default -> "aggregator";
        };
        arguments.add("--matter-pipeline." + consumer + ".consumer.shutdown-grace=" + plan.shutdownGrace().toMillis()
                + "ms");
        if (service.equals("llm-worker")) {
            arguments.add("--matter-pipeline.worker.model.base-url=" + modelUrl);
            arguments.add("--matter-pipeline.worker.model.name=" + OllamaSimulator.MODEL);
            arguments.add("--matter-pipeline.worker.concurrency=" + plan.workerConcurrency());
        }
        return arguments;
    }

    private Path jar(String service) throws IOException {
        for (Path folder : List.of(plan.jars(), plan.jars().resolve(service).resolve("target"))) {
            if (Files.isDirectory(folder)) {
                try (Stream<Path> files = Files.list(folder)) {
                    List<Path> jars = files.filter(file -> {
                        String name = file.getFileName().toString();
                        return name.startsWith(service + "-") && name.endsWith("-exec.jar");
                    }).sorted().toList();
                    if (!jars.isEmpty()) {
                        return jars.get(jars.size() - 1);
                    }
                }
            }
        }
        throw new IOException("No " + service + "-*-exec.jar in " + plan.jars() + " or " + plan.jars().resolve(service)
                .resolve("target") + " (build with ./mvnw -DskipTests package)");
    }

    private int pagesDone(String matterId) {
        Path documents = blobRoot.resolve("blobs").resolve("matters").resolve(matterId).resolve("documents");
        if (!Files.isDirectory(documents)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(documents, 3)) {
            return (int) files.filter(file -> file.getParent() != null
                    && file.getParent().getFileName().toString().equals("extractions")
                    && file.getFileName().toString().endsWith(".json")).count();
        } catch (IOException | UncheckedIOException e) {
            // A folder created or renamed while walking: count again on the next tick.
            return timeline.isEmpty() ? 0 : timeline.get(timeline.size() - 1).pagesDone();
        }
    }

    private TimelinePoint point(Instant now, Map<String, QueueStats> stats, int pagesDone) {
        Map<String, Integer> backlog = new LinkedHashMap<>();
        long redeliveries = timeline.isEmpty() ? 0 : timeline.get(timeline.size() - 1).redeliveries();
        int deadLetters = timeline.isEmpty() ? 0 : timeline.get(timeline.size() - 1).deadLetters();
        if (stats != null) {
            redeliveries = 0;
            deadLetters = 0;
            for (Map.Entry<String, QueueStats> queue : stats.entrySet()) {
                backlog.put(queue.getKey(), queue.getValue().active());
                redeliveries += queue.getValue().redeliveries();
                deadLetters += queue.getValue().deadLettered();
            }
        }
        Map<String, Integer> inService = new LinkedHashMap<>();
        Map<String, Integer> ready = new LinkedHashMap<>();
        Map<String, Integer> draining = new LinkedHashMap<>();
        instances.forEach((service, list) -> {
            inService.put(service, (int) list.stream().filter(ServiceInstance::inService).count());
            ready.put(service, (int) list.stream().filter(i -> i.state() == ServiceInstance.State.READY).count());
            draining.put(service, (int) list.stream()
                    .filter(i -> i.state() == ServiceInstance.State.TERMINATING).count());
        });
        return new TimelinePoint(round(Duration.between(startedAt, now)), backlog, inService, ready, draining,
                pagesDone, redeliveries, deadLetters, stats != null, List.copyOf(events));
    }

    private Map<String, List<String>> queueOfEachService() {
        Map<String, List<String>> queues = new LinkedHashMap<>();
        for (String service : FleetPlan.SERVICES) {
            queues.put(service, plan.rules().get(service).queues());
        }
        return queues;
    }

    private void stopEverything() throws InterruptedException {
        List<ServiceInstance> all = instances.values().stream().flatMap(List::stream).toList();
        all.forEach(ServiceInstance::terminate);
        for (ServiceInstance instance : all) {
            instance.awaitExit(plan.shutdownGrace().plusSeconds(15));
        }
        if (broker != null) {
            broker.stop();
        }
        if (model != null) {
            model.close();
        }
    }

    private static Map<String, Double> since(Instant from, Map<String, Instant> times) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        times.forEach((key, at) -> seconds.put(key, round(Duration.between(from, at))));
        return seconds;
    }

    private double seconds(Instant from) {
        return round(Duration.between(from, Instant.now()));
    }

    private static double round(Duration duration) {
        return Math.round(duration.toMillis() / 100.0) / 10.0;
    }
}
