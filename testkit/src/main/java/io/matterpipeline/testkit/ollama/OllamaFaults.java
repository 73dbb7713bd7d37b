package io.matterpipeline.testkit.ollama;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Fault injection of a running {@link OllamaSimulator}, changeable at any time from any thread.
 *
 * <p>Two ways to inject a fault, which combine:
 * <ul>
 *   <li>{@link #injectNext(OllamaFault, int)}: the next {@code n} chat calls get the fault (pending counts are served
 *       in {@link OllamaFault} declaration order);</li>
 *   <li>{@link #rate(OllamaFault, double)}: each chat call gets the fault with that probability, drawn from a
 *       {@link Random} seeded with {@link OllamaSimulatorOptions#seed()}, so a run with the same calls in the same
 *       order is reproducible. Rates share one draw per call: their sum is capped at 1.</li>
 * </ul>
 * Only {@code POST /api/chat} is affected; the other endpoints always answer.
 */
public final class OllamaFaults {

    private final Random random;
    private final Map<OllamaFault, Double> rates = new EnumMap<>(OllamaFault.class);
    private final Map<OllamaFault, Integer> pending = new EnumMap<>(OllamaFault.class);
    private Duration slowDelay;
    /** Completes when {@link #release()} opens the gate; null while answers flow. */
    private Sinks.Empty<Void> held;

    OllamaFaults(long seed, Map<OllamaFault, Double> initialRates, Duration slowDelay) {
        this.random = new Random(seed);
        this.slowDelay = slowDelay;
        initialRates.forEach(this::rate);
    }

    /**
     * Sets the probability (0..1) that a chat call gets {@code fault}; 0 switches the rate off.
     *
     * @throws IllegalArgumentException if {@code rate} is outside 0..1
     */
    public synchronized OllamaFaults rate(OllamaFault fault, double rate) {
        Objects.requireNonNull(fault, "fault");
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new IllegalArgumentException("fault rate must be within 0..1, was " + rate);
        }
        if (rate == 0.0) {
            rates.remove(fault);
        } else {
            rates.put(fault, rate);
        }
        return this;
    }

    /** The probability currently set for {@code fault}. */
    public synchronized double rate(OllamaFault fault) {
        return rates.getOrDefault(fault, 0.0);
    }

    /**
     * Makes the next {@code calls} chat calls fail with {@code fault}, adding to any still pending; 0 adds nothing.
     *
     * @throws IllegalArgumentException if {@code calls} is negative
     */
    public synchronized OllamaFaults injectNext(OllamaFault fault, int calls) {
        Objects.requireNonNull(fault, "fault");
        if (calls < 0) {
            throw new IllegalArgumentException("calls must not be negative, was " + calls);
        }
        if (calls > 0) {
            pending.merge(fault, calls, Integer::sum);
        }
        return this;
    }

    /** How many upcoming calls still get {@code fault} from {@link #injectNext}. */
    public synchronized int pending(OllamaFault fault) {
        return pending.getOrDefault(fault, 0);
    }

    /**
     * Sets how much later than normal a {@link OllamaFault#SLOW} call answers.
     *
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    public synchronized OllamaFaults slowDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("slow delay must not be negative, was " + delay);
        }
        this.slowDelay = delay;
        return this;
    }

    /** The extra delay of a {@link OllamaFault#SLOW} call. */
    public synchronized Duration slowDelay() {
        return slowDelay;
    }

    /**
     * Holds every chat answer, each call keeping its slot, until {@link #release()}: a replica exactly as slow as a
     * test needs, without betting on a latency. Calls arriving meanwhile queue for the slots as usual.
     */
    public synchronized OllamaFaults hold() {
        if (held == null) {
            held = Sinks.empty();
        }
        return this;
    }

    /** Lets the held answers (and every later one) go; nothing when nothing is held. */
    public OllamaFaults release() {
        Sinks.Empty<Void> gate;
        synchronized (this) {
            gate = held;
            held = null;
        }
        if (gate != null) {
            gate.tryEmitEmpty();
        }
        return this;
    }

    /** Completes at once, or when {@link #release()} is called if the simulator holds its answers. */
    synchronized Mono<Void> gate() {
        return held == null ? Mono.empty() : held.asMono();
    }

    /** Removes every rate and every pending fault and lets held answers go; the slow delay is kept. */
    public OllamaFaults clear() {
        synchronized (this) {
            rates.clear();
            pending.clear();
        }
        return release();
    }

    /** Picks the fault of one chat call, or {@code null} for a normal answer. */
    synchronized OllamaFault nextCall() {
        for (Map.Entry<OllamaFault, Integer> entry : pending.entrySet()) {
            int left = entry.getValue();
            OllamaFault fault = entry.getKey();
            if (left == 1) {
                pending.remove(fault);
            } else {
                entry.setValue(left - 1);
            }
            return fault;
        }
        if (rates.isEmpty()) {
            // No draw: a run without rates leaves the random sequence untouched for the latency jitter.
            return null;
        }
        double draw = random.nextDouble();
        double upTo = 0.0;
        for (Map.Entry<OllamaFault, Double> entry : rates.entrySet()) {
            upTo += entry.getValue();
            if (draw < upTo) {
                return entry.getKey();
            }
        }
        return null;
    }
}
