package io.matterpipeline.testkit.ollama;

import java.util.Map;

/**
 * A snapshot of what an {@link OllamaSimulator} has served on {@code POST /api/chat} since start or the last
 * {@link OllamaSimulator#resetStats()}.
 *
 * @param totalCalls     chat calls received
 * @param callsByStatus  chat calls by HTTP status answered (499 = the client left before an answer began)
 * @param inFlight       calls holding a slot now (being "generated")
 * @param peakInFlight   the most calls that ever held a slot at the same time; never above the configured slots
 * @param queued         calls waiting for a slot now
 * @param peakQueued     the most calls that ever waited at the same time
 * @param faultsInjected how often each fault was applied
 */
public record OllamaSimulatorStats(long totalCalls, Map<Integer, Long> callsByStatus, int inFlight, int peakInFlight,
                                   int queued, int peakQueued, Map<OllamaFault, Long> faultsInjected) {

    public OllamaSimulatorStats {
        callsByStatus = Map.copyOf(callsByStatus);
        faultsInjected = Map.copyOf(faultsInjected);
    }

    /** Chat calls answered with {@code status}. */
    public long calls(int status) {
        return callsByStatus.getOrDefault(status, 0L);
    }

    /** How often {@code fault} was applied. */
    public long injected(OllamaFault fault) {
        return faultsInjected.getOrDefault(fault, 0L);
    }
}
