package io.matterpipeline.standalone.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class WholeCallBoundTests {

    private static final Duration MS_200 = Duration.ofMillis(200);
    private static final Duration MS_500 = Duration.ofMillis(500);

    @Test
    void aMatterThatFillsItsLastRoundTakesExactlyTheIdealTime() {
        // 1,920 calls on 64 slots: 30 full rounds.
        assertThat(WholeCallBound.shortest(1920, Collections.nCopies(8, MS_500), 8)).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void aPartLastRoundCostsAWholeCall() {
        // 2,000 calls on 64 slots: 31 full rounds and 16 calls in a 32nd; the rate would say 15.625 s.
        assertThat(WholeCallBound.shortest(2000, Collections.nCopies(8, MS_500), 8)).isEqualTo(Duration.ofSeconds(16));
        // 2,000 calls on 12 slots: 167 rounds of 200 ms.
        assertThat(WholeCallBound.shortest(2000, Collections.nCopies(3, MS_200), 4))
                .isEqualTo(Duration.ofMillis(33_400));
    }

    @Test
    void aSlowReplicaAddsOnlyTheCallsItFinishesInTime() {
        // Replicas of 1 s and 200 ms, 4 slots each: by 1 s, 4 + 20 calls; by 1.2 s still 4 + 24 = 28.
        List<Duration> latencies = List.of(Duration.ofSeconds(1), MS_200);
        assertThat(WholeCallBound.shortest(24, latencies, 4)).isEqualTo(Duration.ofSeconds(1));
        assertThat(WholeCallBound.shortest(25, latencies, 4)).isEqualTo(Duration.ofMillis(1200));
        assertThat(WholeCallBound.shortest(3, latencies, 4)).isEqualTo(MS_200);
    }

    @Test
    void refusesWhatHasNoBound() {
        assertThatThrownBy(() -> WholeCallBound.shortest(0, List.of(MS_200), 4))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WholeCallBound.shortest(10, List.of(Duration.ZERO), 4))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
