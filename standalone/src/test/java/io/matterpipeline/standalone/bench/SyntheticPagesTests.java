package io.matterpipeline.standalone.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.testkit.ollama.SimulatedExtraction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SyntheticPagesTests {

    @Test
    void documentHasTheRequestedPagesSeparatedByFormFeedsAndIsDeterministic() {
        String text = new String(SyntheticPages.document(2, 5, 800), StandardCharsets.UTF_8);

        assertThat(text.split("\f")).hasSize(5).allSatisfy(page -> assertThat(page.length()).isEqualTo(800));
        assertThat(SyntheticPages.document(2, 5, 800)).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
        assertThat(SyntheticPages.page(2, 1, 800)).isNotEqualTo(SyntheticPages.page(2, 2, 800));
    }

    @Test
    void everyPageGivesTheSimulatedModelItemsToExtract() {
        String extraction = SimulatedExtraction.fromPageText(SyntheticPages.page(3, 7, 1500));

        assertThat(extraction).contains("\"caseNumbers\":[{").contains("\"dates\":[{").contains("\"amounts\":[{");
    }

    @Test
    void onlyTheFirstReplicaIsSlower() {
        assertThat(BenchDurations.replicaLatencies(Duration.ofMillis(200), 3, 5))
                .containsExactly(Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofMillis(200));
        assertThat(BenchDurations.replicaLatencies(Duration.ofMillis(200), 2, 1))
                .containsExactly(Duration.ofMillis(200), Duration.ofMillis(200));
    }

    @Test
    void durationsParseAsTypedOnACommandLine() {
        assertThat(BenchDurations.parse("200ms")).isEqualTo(Duration.ofMillis(200));
        assertThat(BenchDurations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(BenchDurations.parse("PT0.05S")).isEqualTo(Duration.ofMillis(50));
        assertThatThrownBy(() -> BenchDurations.parse("fast")).isInstanceOf(IllegalArgumentException.class);
    }
}
