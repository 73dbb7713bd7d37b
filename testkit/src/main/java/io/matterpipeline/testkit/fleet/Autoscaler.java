package io.matterpipeline.testkit.fleet;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The capacity of one service as Azure Monitor autoscale would set it from its {@link ScalingRule}: the queue's
 * active messages averaged over the rule's time window and divided by the current capacity; scale out above the
 * scale-out threshold, scale in below the scale-in threshold unless the smaller count would at once exceed the
 * scale-out threshold again (Azure's flapping guard), each action only after the cooldown since the previous one, and
 * never outside minimum and maximum. Not thread-safe: one supervisor loop drives it.
 */
final class Autoscaler {

    private record Sample(Instant at, long active) {
    }

    private final ScalingRule rule;
    private final Deque<Sample> window = new ArrayDeque<>();
    private int capacity;
    private Instant lastAction = Instant.MIN;

    Autoscaler(ScalingRule rule) {
        this.rule = rule;
        this.capacity = rule.initial();
    }

    ScalingRule rule() {
        return rule;
    }

    /** The instances the scale set should have now. */
    int capacity() {
        return capacity;
    }

    /** Records a sample of the queue's active messages and returns the capacity after this evaluation. */
    int evaluate(Instant now, long activeMessages) {
        window.addLast(new Sample(now, activeMessages));
        while (window.size() > 1 && window.peekFirst().at().isBefore(now.minus(rule.timeWindow()))) {
            window.removeFirst();
        }
        double average = window.stream().mapToLong(Sample::active).average().orElse(0);
        double perInstance = average / Math.max(1, capacity);
        if (capacity < rule.minimum() || capacity > rule.maximum()) {
            capacity = Math.max(rule.minimum(), Math.min(rule.maximum(), capacity));
            lastAction = now;
        } else if (perInstance > rule.scaleOut().threshold() && capacity < rule.maximum()
                && cooledDown(now, rule.scaleOut().cooldown())) {
            capacity = Math.min(rule.maximum(), capacity + rule.scaleOut().changeCount());
            lastAction = now;
        } else if (perInstance < rule.scaleIn().threshold() && capacity > rule.minimum()
                && cooledDown(now, rule.scaleIn().cooldown())) {
            int smaller = Math.max(rule.minimum(), capacity - rule.scaleIn().changeCount());
            if (average / Math.max(1, smaller) <= rule.scaleOut().threshold()) {
                capacity = smaller;
                lastAction = now;
            }
        }
        return capacity;
    }

    private boolean cooledDown(Instant now, Duration cooldown) {
        return lastAction == Instant.MIN || !now.isBefore(lastAction.plus(cooldown));
    }
}
