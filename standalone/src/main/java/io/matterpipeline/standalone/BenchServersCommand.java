package io.matterpipeline.standalone;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.standalone.bench.BenchDurations;
import io.matterpipeline.standalone.bench.BenchServers;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import io.matterpipeline.testkit.ollama.OllamaSimulatorStats;
import io.matterpipeline.testkit.servicebus.QueueOptions;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The servers {@code bench} measures against, in a process of their own so that their CPU is not counted as the
 * pipeline's: {@code --replicas} Ollama simulators and, with {@code --servicebus}, the Service Bus emulator with the
 * pipeline's queues. Prints one JSON line ({@code modelUrls}, {@code serviceBus}), then answers {@code stats} (a JSON
 * array of each replica's calls and peaks) and {@code reset} lines on standard input; exits when standard input
 * closes, so it never outlives the {@code bench} that started it ({@link BenchServers}).
 */
@Command(name = BenchServers.COMMAND, hidden = true,
        description = "Model simulators (and a Service Bus emulator) for bench, in their own process.")
final class BenchServersCommand implements Callable<Integer> {

    /**
     * Chat calls served before the replicas start, so that they answer as warm model servers would: a bench measures
     * the pipeline cold or warm ({@code --warmup-pages}), never the simulators' own start.
     */
    static final int WARM_UP_CALLS = 1_000;

    @Option(names = "--replicas", defaultValue = "3")
    int replicas;

    @Option(names = "--slots", defaultValue = "4")
    int slots;

    @Option(names = "--model-latency", defaultValue = "200ms")
    String modelLatency;

    @Option(names = "--slow-replica-factor", defaultValue = "1")
    double slowReplicaFactor;

    @Option(names = "--servicebus", description = "Also start the Service Bus emulator with the pipeline's queues.")
    boolean serviceBus;

    @Option(names = "--queues", split = ",", defaultValue = "documents,pages,results,matters-completed")
    List<String> queues;

    @Override
    public Integer call() throws IOException {
        // Standard output carries the replies; whatever else prints (logs) goes to standard error.
        PrintStream out = System.out;
        System.setOut(System.err);
        Duration latency = BenchDurations.parse(modelLatency);
        List<OllamaSimulator> simulators = new ArrayList<>();
        ServiceBusEmulator emulator = null;
        try {
            ObjectNode started = MessageCodec.mapper().createObjectNode();
            ArrayNode urls = started.putArray("modelUrls");
            OllamaSimulator.warmUp(WARM_UP_CALLS);
            for (Duration replicaLatency : BenchDurations.replicaLatencies(latency, replicas, slowReplicaFactor)) {
                OllamaSimulator simulator = OllamaSimulator.start(OllamaSimulatorOptions.builder()
                        .slots(slots).latency(replicaLatency).defaultNumCtx(8192).seed(42 + simulators.size()).build());
                simulators.add(simulator);
                urls.add(simulator.baseUrl());
            }
            if (serviceBus) {
                ServiceBusEmulatorOptions options = ServiceBusEmulatorOptions.defaults();
                for (String queue : queues) {
                    options = options.withQueue(QueueOptions.named(queue));
                }
                emulator = ServiceBusEmulator.start(options);
                started.put("serviceBus", emulator.connectionString());
            }
            out.println(MessageCodec.mapper().writeValueAsString(started));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                switch (line.trim()) {
                    case "stats" -> out.println(MessageCodec.mapper().writeValueAsString(stats(simulators)));
                    case "reset" -> {
                        simulators.forEach(OllamaSimulator::resetStats);
                        out.println("{}");
                    }
                    default -> out.println("{\"error\":\"unknown request\"}");
                }
                out.flush();
            }
            return 0;
        } finally {
            simulators.forEach(OllamaSimulator::close);
            if (emulator != null) {
                emulator.close();
            }
        }
    }

    private static ArrayNode stats(List<OllamaSimulator> simulators) {
        ArrayNode all = MessageCodec.mapper().createArrayNode();
        for (OllamaSimulator simulator : simulators) {
            OllamaSimulatorStats stats = simulator.stats();
            all.addObject()
                    .put("latencyMs", simulator.options().latency().toMillis())
                    .put("calls", stats.totalCalls())
                    .put("peakInFlight", stats.peakInFlight())
                    .put("peakQueued", stats.peakQueued());
        }
        return all;
    }
}
