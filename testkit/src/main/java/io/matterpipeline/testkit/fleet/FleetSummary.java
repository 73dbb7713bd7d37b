package io.matterpipeline.testkit.fleet;

import java.util.Map;

/**
 * The summary of a fleet run ({@code summary.json}, and one line on the console).
 *
 * @param matterId            the Matter
 * @param status              its result's status
 * @param pagesDone           page extractions in the blob store at the end
 * @param resultSeconds       from the seal to result.json
 * @param maximumSeconds      per service that has room to grow, from the seal to its capacity reaching the maximum
 * @param pagesDrainedSeconds from the seal to the first time the pages queue was empty with pages done
 * @param backToMinimumSeconds from the result to every service being back at its minimum (null when not waited for)
 * @param mostInstances       the most instances in service at once, per service
 * @param redeliveries        deliveries of messages that had been delivered before, all queues
 * @param deadLetters         dead-lettered messages at the end, all queues
 * @param kills               instances SIGKILLed by chaos, per service
 * @param brokerKills         times the broker was SIGKILLed and started again
 * @param longestDrainSeconds the longest time a SIGTERMed instance took to exit
 * @param drained             SIGTERMed instances that exited
 * @param gracelessStops      SIGTERMed instances that did not exit within twice their grace and were SIGKILLed
 * @param readyWhileDraining  SIGTERMed instances whose readiness probe still answered 200 while they drained
 * @param modelLatencyMillis  the model simulator's latency per call
 * @param lockSeconds         the queues' lock duration
 */
public record FleetSummary(String matterId, String status, int pagesDone, double resultSeconds,
        Map<String, Double> maximumSeconds, Double pagesDrainedSeconds, Double backToMinimumSeconds,
        Map<String, Integer> mostInstances, long redeliveries, int deadLetters, Map<String, Integer> kills,
        int brokerKills, double longestDrainSeconds, int drained, int gracelessStops, int readyWhileDraining,
        long modelLatencyMillis, double lockSeconds) {

    /** One line for the console. */
    public String line() {
        return "fleet: " + status + " " + pagesDone + " pages in " + resultSeconds + " s after the seal"
                + ", most instances " + mostInstances + ", maximum reached after " + maximumSeconds + " s"
                + ", pages queue empty after " + pagesDrainedSeconds + " s"
                + (backToMinimumSeconds == null ? "" : ", back at minimum " + backToMinimumSeconds + " s after the result")
                + ", redeliveries " + redeliveries + ", dead letters " + deadLetters + ", kills " + kills
                + ", broker kills " + brokerKills + ", " + drained + " scale-in stops, longest drain "
                + longestDrainSeconds + " s"
                + (readyWhileDraining > 0 ? ", " + readyWhileDraining + " ready while draining" : "")
                + (gracelessStops > 0 ? ", " + gracelessStops + " SIGTERMed instances had to be killed" : "")
                + " (model " + modelLatencyMillis + " ms, lock " + lockSeconds + " s)";
    }
}
