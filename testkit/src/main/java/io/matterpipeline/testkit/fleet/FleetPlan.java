package io.matterpipeline.testkit.fleet;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What {@link Fleet} runs.
 *
 * @param jars              where the services' executable jars are: a folder holding {@code <service>-*-exec.jar}, or
 *                          the repository root ({@code <service>/target/<service>-*-exec.jar})
 * @param rules             the autoscale rule of every service, by service name
 * @param matter            the folder whose files become one Matter
 * @param out               where the timeline, its picture, the summary, result.json, logs, the blob store and the
 *                          broker's data go
 * @param modelLatency      the model simulator's latency per call
 * @param modelSlots        calls the model simulator serves at once (all workers together)
 * @param workerConcurrency pages one llm-worker instance reads at once
 * @param lockDuration      the queues' peek-lock duration: how long a killed instance's messages wait
 * @param shutdownGrace     how long a SIGTERMed instance may drain (its consumers' {@code consumer.shutdown-grace})
 * @param chaos             what to kill, and when
 * @param untilMinimum      after the result, keep going until every service is back at its minimum
 * @param timeout           give up after this long
 * @param poll              how often the queues are sampled, the autoscaler evaluated and the timeline written
 * @param jvmOptions        options of every service JVM
 * @param seed              chooses the instances chaos kills
 */
public record FleetPlan(Path jars, Map<String, ScalingRule> rules, Path matter, Path out, Duration modelLatency,
        int modelSlots, int workerConcurrency, Duration lockDuration, Duration shutdownGrace, Chaos chaos,
        boolean untilMinimum, Duration timeout, Duration poll, List<String> jvmOptions, long seed) {

    /** The four services, upstream first, with the queue each consumes (the scaling file names the same queues). */
    public static final List<String> SERVICES = List.of("ingest-service", "page-splitter", "llm-worker", "aggregator");

    public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Xss512k");

    /**
     * @param killEvery        SIGKILL a random instance of every service this often (null: never)
     * @param killsPerService  stop after this many kills per service (0: no limit)
     * @param brokerKillEvery  SIGKILL the broker this often (null: never)
     * @param brokerKills      stop after this many broker kills (0: no limit)
     * @param brokerDown       how long the broker stays down before it is started again on its data directory
     * @param afterPages       chaos starts once this many pages are extracted (so kills land mid-Matter)
     */
    public record Chaos(Duration killEvery, int killsPerService, Duration brokerKillEvery, int brokerKills,
            Duration brokerDown, int afterPages) {

        public static Chaos none() {
            return new Chaos(null, 0, null, 0, Duration.ofSeconds(5), 1);
        }

        boolean killsInstances() {
            return killEvery != null;
        }

        boolean killsBroker() {
            return brokerKillEvery != null;
        }
    }

    public FleetPlan {
        rules = Map.copyOf(rules);
        jvmOptions = List.copyOf(jvmOptions);
        for (String service : SERVICES) {
            if (!rules.containsKey(service)) {
                throw new IllegalArgumentException("The scaling file has no rule for " + service);
            }
        }
    }
}
