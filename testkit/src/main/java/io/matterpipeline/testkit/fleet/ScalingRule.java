package io.matterpipeline.testkit.fleet;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One service's autoscale rule as {@code infra/scaling.json} states it and {@code infra/terraform/autoscale.tf} gives
 * it to Azure Monitor autoscale: per queue of the service, the queue's {@code ActiveMessages} averaged over
 * {@code window} and divided by the instance count; above {@code scaleOutAboveMessagesPerInstance} on any queue the
 * scale set grows by {@code scaleOutBy}, below {@code scaleInBelowMessagesPerInstance} on every queue it shrinks by
 * {@code scaleInBy}, never outside {@code [minInstances, maxInstances]}, and an action waits for its cooldown after the
 * previous one.
 *
 * @param service           the service (scale set), e.g. {@code llm-worker}
 * @param queues            the queues whose active messages drive it
 * @param minInstances      fewest instances
 * @param maxInstances      most instances
 * @param defaultInstances  instances at start
 * @param window            the metric is averaged over this window
 * @param scaleOutAbove     active messages per instance above which it scales out
 * @param scaleInBelow      active messages per instance below which it scales in
 * @param scaleOutBy        instances one scale-out adds
 * @param scaleInBy         instances one scale-in removes
 * @param scaleOutCooldown  time after any scale action before a scale-out
 * @param scaleInCooldown   time after any scale action before a scale-in
 */
public record ScalingRule(String service, List<String> queues, int minInstances, int maxInstances,
        int defaultInstances, Duration window, double scaleOutAbove, double scaleInBelow, int scaleOutBy,
        int scaleInBy, Duration scaleOutCooldown, Duration scaleInCooldown) {

    public ScalingRule {
        Objects.requireNonNull(service, "service");
        queues = List.copyOf(queues);
        Objects.requireNonNull(window, service + ": window");
        Objects.requireNonNull(scaleOutCooldown, service + ": scaleOutCooldown");
        Objects.requireNonNull(scaleInCooldown, service + ": scaleInCooldown");
        if (queues.isEmpty()) {
            throw new IllegalArgumentException(service + ": no queues");
        }
        if (minInstances < 0 || maxInstances < Math.max(1, minInstances) || defaultInstances < minInstances
                || defaultInstances > maxInstances) {
            throw new IllegalArgumentException(service + ": need 0 <= minInstances <= defaultInstances <= "
                    + "maxInstances, maxInstances >= 1; got " + minInstances + ", " + defaultInstances + ", "
                    + maxInstances);
        }
        if (scaleOutBy < 1 || scaleInBy < 1 || scaleInBelow < 0 || scaleInBelow >= scaleOutAbove
                || window.isNegative() || scaleOutCooldown.isNegative() || scaleInCooldown.isNegative()) {
            throw new IllegalArgumentException(service + ": need scaleOutBy, scaleInBy >= 1, 0 <= "
                    + "scaleInBelowMessagesPerInstance < scaleOutAboveMessagesPerInstance, durations >= 0");
        }
    }

    /** The same rule starting with {@code instances} (clamped to the rule's bounds). */
    public ScalingRule startingAt(int instances) {
        return new ScalingRule(service, queues, minInstances, maxInstances,
                Math.max(minInstances, Math.min(maxInstances, instances)), window, scaleOutAbove, scaleInBelow,
                scaleOutBy, scaleInBy, scaleOutCooldown, scaleInCooldown);
    }
}
