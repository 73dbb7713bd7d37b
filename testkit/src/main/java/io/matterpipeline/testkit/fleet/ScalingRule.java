package io.matterpipeline.testkit.fleet;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One service's autoscale rule as {@code infra/scaling.json} states it for Azure Monitor autoscale (and KEDA): the
 * metric is the {@code ActiveMessages} of the service's own queue divided by the instance count, averaged over
 * {@code timeWindow}; above {@code scaleOut.threshold} the scale set grows by {@code scaleOut.changeCount}, below
 * {@code scaleIn.threshold} it shrinks by {@code scaleIn.changeCount}, never outside {@code [minimum, maximum]}, and
 * no action follows another sooner than the rule's cooldown.
 *
 * @param service    the service (scale set) name, e.g. {@code llm-worker}
 * @param queue      the queue whose active messages drive it
 * @param minimum    fewest instances
 * @param maximum    most instances
 * @param initial    instances at start (Azure's {@code default} capacity)
 * @param timeWindow the metric is averaged over this window
 * @param scaleOut   when and by how much to grow
 * @param scaleIn    when and by how much to shrink
 */
public record ScalingRule(String service, String queue, int minimum, int maximum, int initial, Duration timeWindow,
        Step scaleOut, Step scaleIn) {

    /**
     * @param threshold   active messages per instance; scale out above it, scale in below it
     * @param changeCount instances added or removed by one action
     * @param cooldown    time after any scale action of this service before this one may act
     */
    public record Step(double threshold, int changeCount, Duration cooldown) {

        public Step {
            Objects.requireNonNull(cooldown, "cooldown");
            if (changeCount < 1 || threshold < 0 || cooldown.isNegative()) {
                throw new IllegalArgumentException("invalid scaling step: threshold " + threshold + ", change_count "
                        + changeCount + ", cooldown " + cooldown);
            }
        }
    }

    public ScalingRule {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(queue, service + ": queue");
        Objects.requireNonNull(timeWindow, service + ": time_window");
        Objects.requireNonNull(scaleOut, service + ": scale_out");
        Objects.requireNonNull(scaleIn, service + ": scale_in");
        if (minimum < 0 || maximum < Math.max(1, minimum) || initial < minimum || initial > maximum) {
            throw new IllegalArgumentException(service + ": need 0 <= minimum <= default <= maximum, maximum >= 1; got "
                    + minimum + ", " + initial + ", " + maximum);
        }
        if (scaleIn.threshold() >= scaleOut.threshold()) {
            throw new IllegalArgumentException(service + ": scale_in threshold must be below scale_out threshold");
        }
    }

    /** The same rule starting with {@code initial} instances (clamped to the rule's bounds). */
    public ScalingRule startingAt(int instances) {
        return new ScalingRule(service, queue, minimum, maximum, Math.max(minimum, Math.min(maximum, instances)),
                timeWindow, scaleOut, scaleIn);
    }

    /** The rule as the scaling file spells it (snake case, ISO-8601 durations). */
    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("queue", queue);
        json.put("capacity", Map.of("minimum", minimum, "maximum", maximum, "default", initial));
        json.put("time_window", timeWindow.toString());
        json.put("scale_out", Map.of("threshold", scaleOut.threshold(), "change_count", scaleOut.changeCount(),
                "cooldown", scaleOut.cooldown().toString()));
        json.put("scale_in", Map.of("threshold", scaleIn.threshold(), "change_count", scaleIn.changeCount(),
                "cooldown", scaleIn.cooldown().toString()));
        return json;
    }
}
