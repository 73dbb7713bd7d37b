package io.matterpipeline.testkit.fleet;

import java.util.List;
import java.util.Map;

/**
 * One line of the fleet's timeline ({@code timeline.jsonl}).
 *
 * @param t            seconds since the supervisor started
 * @param backlog      active messages per queue (empty while the broker is down)
 * @param instances    instances in service per service (started, not being removed)
 * @param ready        of those, the ones whose readiness probe answers
 * @param draining     instances stopping after a SIGTERM, per service
 * @param pagesDone    page extractions written to the blob store
 * @param redeliveries deliveries of messages delivered before, all queues, over the broker's lives
 * @param deadLetters  dead-lettered messages, all queues
 * @param brokerUp     whether the broker answered
 * @param events       what the supervisor did since the previous line (scale actions, kills, restarts)
 */
record TimelinePoint(double t, Map<String, Integer> backlog, Map<String, Integer> instances,
        Map<String, Integer> ready, Map<String, Integer> draining, int pagesDone, long redeliveries,
        int deadLetters, boolean brokerUp, List<String> events) {
}
