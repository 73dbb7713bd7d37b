package io.matterpipeline.testkit.fleet;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code testkit fleet}: one Matter through the four services as separate processes, autoscaled by the scaling file,
 * optionally under chaos; writes {@code timeline.jsonl}, {@code timeline.svg}, {@code summary.json} and
 * {@code result.json} to {@code --out} and prints the summary line. Exit code 0 when the Matter finished.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = "Runs the services as separate processes over the Service Bus emulator, autoscaled by the "
                + "scaling file, with optional chaos; writes a timeline and its picture.")
public final class FleetCommand implements Callable<Integer> {

    @Option(names = "--jars", defaultValue = ".", description = "Folder of the services' *-exec.jar files, or the "
            + "repository root (default: ${DEFAULT-VALUE}).")
    Path jars;

    @Option(names = "--scaling", defaultValue = "infra/scaling.json",
            description = "The autoscale rules (default: ${DEFAULT-VALUE}).")
    Path scaling;

    @Option(names = "--matter", required = true, description = "Folder whose files become one Matter.")
    Path matter;

    @Option(names = "--out", defaultValue = "fleet-out", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--start", split = ",", paramLabel = "<service>=<n>",
            description = "Instances at start, overriding the scaling file's default, e.g. llm-worker=1.")
    Map<String, Integer> start = new LinkedHashMap<>();

    @Option(names = "--model-latency", defaultValue = "200ms", converter = ServiceBusEmulatorCommand.DurationConverter.class,
            description = "Model simulator latency per call (default: ${DEFAULT-VALUE}).")
    Duration modelLatency;

    @Option(names = "--model-slots", defaultValue = "64", description = "Model calls served at once (default: ${DEFAULT-VALUE}).")
    int modelSlots;

    @Option(names = "--worker-concurrency", defaultValue = "4",
            description = "Pages one llm-worker reads at once (default: ${DEFAULT-VALUE}).")
    int workerConcurrency;

    @Option(names = "--lock-duration", defaultValue = "20s", converter = ServiceBusEmulatorCommand.DurationConverter.class,
            description = "Queue lock duration (default: ${DEFAULT-VALUE}).")
    Duration lockDuration;

    @Option(names = "--shutdown-grace", defaultValue = "30s", converter = ServiceBusEmulatorCommand.DurationConverter.class,
            description = "Drain time a SIGTERMed instance gets (default: ${DEFAULT-VALUE}).")
    Duration shutdownGrace;

    @Option(names = "--kill-every", converter = ServiceBusEmulatorCommand.DurationConverter.class,
            description = "SIGKILL a random instance of every service this often (default: never).")
    Duration killEvery;

    @Option(names = "--kills", defaultValue = "0", description = "Kills per service at most, 0 = no limit.")
    int kills;

    @Option(names = "--broker-kill-every", converter = ServiceBusEmulatorCommand.DurationConverter.class,
            description = "SIGKILL the broker this often and start it again from its data directory (default: never).")
    Duration brokerKillEvery;

    @Option(names = "--broker-kills", defaultValue = "0", description = "Broker kills at most, 0 = no limit.")
    int brokerKills;

    @Option(names = "--broker-down", defaultValue = "5s", converter = ServiceBusEmulatorCommand.DurationConverter.class,
            description = "How long the broker stays down (default: ${DEFAULT-VALUE}).")
    Duration brokerDown;

    @Option(names = "--chaos-after-pages", defaultValue = "1",
            description = "Chaos starts once this many pages are done (default: ${DEFAULT-VALUE}).")
    int chaosAfterPages;

    @Option(names = "--until-minimum", description = "After the result, wait until every service is back at its minimum.")
    boolean untilMinimum;

    @Option(names = "--timeout", defaultValue = "30m", converter = ServiceBusEmulatorCommand.DurationConverter.class,
            description = "Give up after (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--poll", defaultValue = "1s", converter = ServiceBusEmulatorCommand.DurationConverter.class,
            description = "Sampling and autoscale interval (default: ${DEFAULT-VALUE}).")
    Duration poll;

    @Option(names = "--jvm-options", split = " ", description = "Options of every service JVM (default: "
            + "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k).")
    List<String> jvmOptions = FleetPlan.DEFAULT_JVM_OPTIONS;

    @Option(names = "--seed", defaultValue = "1", description = "Chooses the instances chaos kills.")
    long seed;

    @Override
    public Integer call() throws Exception {
        FleetSummary summary = new Fleet(plan()).run();
        System.out.println(summary.line());
        return 0;
    }

    FleetPlan plan() throws java.io.IOException {
        Map<String, ScalingRule> rules = new LinkedHashMap<>(ScalingFile.read(scaling));
        start.forEach((service, instances) -> {
            ScalingRule rule = rules.get(service);
            if (rule == null) {
                throw new IllegalArgumentException("--start names " + service + ", which the scaling file lacks");
            }
            rules.put(service, rule.startingAt(instances));
        });
        return new FleetPlan(jars, rules, matter, out, modelLatency, modelSlots, workerConcurrency, lockDuration,
                shutdownGrace, new FleetPlan.Chaos(killEvery, kills, brokerKillEvery, brokerKills, brokerDown,
                chaosAfterPages), untilMinimum, timeout, poll, jvmOptions, seed);
    }
}
