package io.matterpipeline.testkit.ollama;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counters behind {@link OllamaSimulatorStats}. In-flight calls are counted here, independently of {@link SlotQueue},
 * so a test of the slot cap checks the queue rather than the queue's own bookkeeping.
 */
final class StatsRecorder {

    private long totalCalls;
    private final Map<Integer, Long> callsByStatus = new TreeMap<>();
    private final Map<OllamaFault, Long> faultsInjected = new EnumMap<>(OllamaFault.class);
    private int inFlight;
    private int peakInFlight;

    synchronized void callReceived() {
        totalCalls++;
    }

    synchronized void answered(int status) {
        callsByStatus.merge(status, 1L, Long::sum);
    }

    synchronized void faultInjected(OllamaFault fault) {
        faultsInjected.merge(fault, 1L, Long::sum);
    }

    synchronized void generationStarted() {
        inFlight++;
        peakInFlight = Math.max(peakInFlight, inFlight);
    }

    synchronized void generationEnded() {
        inFlight--;
    }

    synchronized OllamaSimulatorStats snapshot(SlotQueue slots) {
        return new OllamaSimulatorStats(totalCalls, callsByStatus, inFlight, peakInFlight, slots.queued(),
                slots.peakQueued(), faultsInjected);
    }

    synchronized void reset(SlotQueue slots) {
        totalCalls = 0;
        callsByStatus.clear();
        faultsInjected.clear();
        peakInFlight = inFlight;
        slots.resetPeak();
    }
}
