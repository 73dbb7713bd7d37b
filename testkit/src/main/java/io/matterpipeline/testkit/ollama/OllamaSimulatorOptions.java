package io.matterpipeline.testkit.ollama;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How an {@link OllamaSimulator} behaves. Immutable; build with {@link #builder()} or take {@link #defaults()}.
 *
 * @param port            TCP port on 127.0.0.1; 0 picks a free one
 * @param latency         fixed time a chat call takes once it holds a slot (the simulated generation time)
 * @param jitter          extra random time added to {@code latency}, uniformly from 0 up to this (seeded)
 * @param slots           chat calls generated at the same time, like {@code OLLAMA_NUM_PARALLEL}; the rest wait
 * @param maxQueue        chat calls allowed to wait for a slot, like {@code OLLAMA_MAX_QUEUE}; beyond it a call gets 503
 * @param seed            seed of the random draws (fault rates and jitter), for reproducible runs
 * @param defaultNumCtx   context length in tokens when a request sends no {@code options.num_ctx}
 * @param streamChunkChars characters of content per streamed line
 * @param slowDelay       extra delay of a {@link OllamaFault#SLOW} call
 * @param faultRates      initial fault probabilities (0..1), changeable later through {@link OllamaSimulator#faults()}
 * @param models          the models the server has, by name ({@code llama3.1:8b}; a name without a tag means
 *                        {@code :latest}, as in Ollama): a chat or {@code /api/show} for any other is answered 404
 *                        {@code model 'NAME' not found}, as by an Ollama that lacks the model. Empty (the default):
 *                        every name is served. Either way the answers report the model {@value OllamaSimulator#MODEL}
 */
public record OllamaSimulatorOptions(int port, Duration latency, Duration jitter, int slots, int maxQueue, long seed,
                                     int defaultNumCtx, int streamChunkChars, Duration slowDelay,
                                     Map<OllamaFault, Double> faultRates, Set<String> models) {

    /** Ollama's {@code OLLAMA_MAX_QUEUE} default. */
    public static final int DEFAULT_MAX_QUEUE = 512;

    public OllamaSimulatorOptions {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be within 0..65535, was " + port);
        }
        requireNotNegative(Objects.requireNonNull(latency, "latency"), "latency");
        requireNotNegative(Objects.requireNonNull(jitter, "jitter"), "jitter");
        requireNotNegative(Objects.requireNonNull(slowDelay, "slowDelay"), "slowDelay");
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1, was " + slots);
        }
        if (maxQueue < 0) {
            throw new IllegalArgumentException("maxQueue must not be negative, was " + maxQueue);
        }
        if (defaultNumCtx < 1) {
            throw new IllegalArgumentException("defaultNumCtx must be at least 1, was " + defaultNumCtx);
        }
        if (streamChunkChars < 1) {
            throw new IllegalArgumentException("streamChunkChars must be at least 1, was " + streamChunkChars);
        }
        EnumMap<OllamaFault, Double> rates = new EnumMap<>(OllamaFault.class);
        Objects.requireNonNull(faultRates, "faultRates").forEach((fault, rate) -> {
            if (!(rate >= 0.0 && rate <= 1.0)) {
                throw new IllegalArgumentException("rate of " + fault + " must be within 0..1, was " + rate);
            }
            rates.put(fault, rate);
        });
        faultRates = Map.copyOf(rates);
        Set<String> names = new LinkedHashSet<>();
        for (String model : Objects.requireNonNull(models, "models")) {
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("a model name must not be blank");
            }
            names.add(withTag(model.strip()));
        }
        models = Collections.unmodifiableSet(names);
    }

    /** Whether the server has {@code model}: it is one of {@link #models()}, or that list is empty. */
    public boolean serves(String model) {
        return models.isEmpty() || models.contains(withTag(model));
    }

    /** Ollama's reading of a model name: without a tag, the tag {@code latest}. */
    static String withTag(String model) {
        int slash = model.lastIndexOf('/');
        return model.indexOf(':', slash + 1) < 0 ? model + ":latest" : model;
    }

    /**
     * Free port, no latency, 4 slots, a queue of 512, seed 42, {@code num_ctx} 4096, 20-character stream chunks,
     * slow faults 90 s late, no faults, every model name served.
     */
    public static OllamaSimulatorOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder builder = new Builder().port(port).latency(latency).jitter(jitter).slots(slots).maxQueue(maxQueue)
                .seed(seed).defaultNumCtx(defaultNumCtx).streamChunkChars(streamChunkChars).slowDelay(slowDelay);
        faultRates.forEach(builder::faultRate);
        return builder.models(List.copyOf(models));
    }

    private static void requireNotNegative(Duration duration, String name) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + duration);
        }
    }

    /** Builds {@link OllamaSimulatorOptions}; every setting starts at the value listed in {@link #defaults()}. */
    public static final class Builder {

        private int port;
        private Duration latency = Duration.ZERO;
        private Duration jitter = Duration.ZERO;
        private int slots = 4;
        private int maxQueue = DEFAULT_MAX_QUEUE;
        private long seed = 42L;
        private int defaultNumCtx = 4096;
        private int streamChunkChars = 20;
        private Duration slowDelay = Duration.ofSeconds(90);
        private final Map<OllamaFault, Double> faultRates = new EnumMap<>(OllamaFault.class);
        private List<String> models = List.of();

        private Builder() {
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder latency(Duration latency) {
            this.latency = latency;
            return this;
        }

        public Builder jitter(Duration jitter) {
            this.jitter = jitter;
            return this;
        }

        public Builder slots(int slots) {
            this.slots = slots;
            return this;
        }

        public Builder maxQueue(int maxQueue) {
            this.maxQueue = maxQueue;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder defaultNumCtx(int defaultNumCtx) {
            this.defaultNumCtx = defaultNumCtx;
            return this;
        }

        public Builder streamChunkChars(int streamChunkChars) {
            this.streamChunkChars = streamChunkChars;
            return this;
        }

        public Builder slowDelay(Duration slowDelay) {
            this.slowDelay = slowDelay;
            return this;
        }

        /** Sets the initial probability of {@code fault}; 0 removes it. */
        public Builder faultRate(OllamaFault fault, double rate) {
            faultRates.put(Objects.requireNonNull(fault, "fault"), rate);
            return this;
        }

        /** The models the server has (see {@link OllamaSimulatorOptions#models()}); none: every name is served. */
        public Builder models(List<String> models) {
            this.models = List.copyOf(models);
            return this;
        }

        /** @throws IllegalArgumentException if a setting is out of range */
        public OllamaSimulatorOptions build() {
            return new OllamaSimulatorOptions(port, latency, jitter, slots, maxQueue, seed, defaultNumCtx,
                    streamChunkChars, slowDelay, faultRates, new LinkedHashSet<>(models));
        }
    }
}
