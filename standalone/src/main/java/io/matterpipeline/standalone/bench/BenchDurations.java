package io.matterpipeline.standalone.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people type them on a command line: {@code 200ms}, {@code 1.5s}, {@code 2m}, or ISO-8601. */
public final class BenchDurations {

    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

    private BenchDurations() {
    }

    /** @throws IllegalArgumentException if {@code text} is neither form */
    public static Duration parse(String text) {
        String trimmed = text.trim().toLowerCase(Locale.ROOT);
        Matcher simple = SIMPLE.matcher(trimmed);
        if (simple.matches()) {
            double value = Double.parseDouble(simple.group(1));
            double millis = switch (simple.group(2)) {
                case "ms" -> value;
                case "s" -> value * 1_000;
                case "m" -> value * 60_000;
                default -> value * 3_600_000;
            };
            return Duration.ofNanos(Math.round(millis * 1_000_000));
        }
        try {
            return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration: " + text + " (try 200ms, 1.5s or PT0.2S)", e);
        }
    }

    /**
     * One call's latency on each of {@code replicas} simulated replicas: the first is {@code slowReplicaFactor}
     * times slower ({@code bench --slow-replica-factor}), the others take {@code latency}.
     */
    public static List<Duration> replicaLatencies(Duration latency, int replicas, double slowReplicaFactor) {
        List<Duration> latencies = new ArrayList<>(Collections.nCopies(replicas, latency));
        if (replicas > 0) {
            latencies.set(0, Duration.ofNanos(Math.round(latency.toNanos() * slowReplicaFactor)));
        }
        return List.copyOf(latencies);
    }
}
