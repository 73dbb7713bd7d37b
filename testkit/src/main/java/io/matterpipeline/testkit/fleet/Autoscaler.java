package io.matterpipeline.testkit.fleet;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The capacity of one service as Azure Monitor autoscale sets it from its {@link ScalingRule} (one out-rule and one
 * in-rule per queue, as {@code infra/terraform/autoscale.tf} writes them): each queue's active messages averaged over
 * the window and divided by the current capacity; scale out when any queue is above the scale-out threshold, scale in
 * when every queue is below the scale-in threshold unless the smaller count would at once be above the scale-out
 * threshold (Azure's flapping guard); each action only after its cooldown since the previous action, never outside
 * the minimum and maximum. Not thread-safe: one supervisor loop drives it.
 */
final class Autoscaler {

    private record Sample(Instant at, long active) {
    }

    private final ScalingRule rule;
    private final Map<String, Deque<Sample>> windows = new LinkedHashMap<>();
    private int capacity;
    private Instant lastAction;

    Autoscaler(ScalingRule rule) {
        this.rule = rule;
        this.capacity = rule.defaultInstances();
        rule.queues().forEach(queue -> windows.put(queue, new ArrayDeque<>()));
    }

    ScalingRule rule() {
        return rule;
    }

    /** The instances the scale set should have now. */
    int capacity() {
        return capacity;
    }

    /**
     * Records a sample of the active messages of the rule's queues (a missing queue counts 0) and returns the capacity
     * after this evaluation.
     */
    int evaluate(Instant now, Map<String, ? extends Number> activeByQueue) {
        double highest = 0;
        for (Map.Entry<String, Deque<Sample>> queue : windows.entrySet()) {
            Deque<Sample> window = queue.getValue();
            Number active = activeByQueue.get(queue.getKey());
            window.addLast(new Sample(now, active == null ? 0 : active.longValue()));
            while (window.size() > 1 && window.peekFirst().at().isBefore(now.minus(rule.window()))) {
                window.removeFirst();
            }
            double average = window.stream().mapToLong(Sample::active).average().orElse(0);
            highest = Math.max(highest, average);
        }
        if (capacity < rule.minInstances() || capacity > rule.maxInstances()) {
            capacity = Math.max(rule.minInstances(), Math.min(rule.maxInstances(), capacity));
            lastAction = now;
        } else if (highest / Math.max(1, capacity) > rule.scaleOutAbove() && capacity < rule.maxInstances()
                && cooledDown(now, rule.scaleOutCooldown())) {
            capacity = Math.min(rule.maxInstances(), capacity + rule.scaleOutBy());
            lastAction = now;
        } else if (highest / Math.max(1, capacity) < rule.scaleInBelow() && capacity > rule.minInstances()
                && cooledDown(now, rule.scaleInCooldown())) {
            int smaller = Math.max(rule.minInstances(), capacity - rule.scaleInBy());
            if (highest / Math.max(1, smaller) <= rule.scaleOutAbove()) {
                capacity = smaller;
                lastAction = now;
            }
        }
        return capacity;
    }

    private boolean cooledDown(Instant now, Duration cooldown) {
        return lastAction == null || !now.isBefore(lastAction.plus(cooldown));
    }
}
