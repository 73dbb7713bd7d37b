package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.contract.MessageCodec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code bench} as BENCHMARKS.md runs it, small: one JSON line on standard output with the run's outcome and its
 * per-page costs at the ports. The request targets of the cost issue (blob requests and bus operations per page) are
 * counts, not timings, so they are checked here; CPU and pages per second are not.
 */
class BenchCommandTests {

    @Test
    void aRunInMemoryReportsItsOutcomeAndStaysWithinThePerPageRequestTargets() {
        JsonNode report = bench("--blob", "memory", "--pages", "200", "--pages-per-document", "100",
                "--model-latency", "0ms", "--replicas", "2", "--slots", "4", "--timeout", "3m");

        assertThat(report.path("status").asString()).as("%s", report).isEqualTo("COMPLETED");
        assertThat(report.path("blob").asString()).isEqualTo("memory");
        assertThat(report.path("storeFileSystem").isNull()).isTrue();
        assertThat(report.path("pagesExtracted").asInt()).isEqualTo(200);
        assertThat(report.path("pagesFailed").asInt()).isZero();
        JsonNode totals = report.path("totals");
        // Every page is read by a worker and its extraction by the aggregator; every page task is received and settled
        // (the counts are taken when the Matter completes: the last messages may still be settling then).
        assertThat(totals.path("blobReads").asLong()).isGreaterThanOrEqualTo(400);
        assertThat(totals.path("busReceives").asLong()).isGreaterThanOrEqualTo(200);
        assertThat(totals.path("busSettlements").asLong()).isGreaterThanOrEqualTo(200);
        assertThat(report.path("blobRequestsPerPage").asDouble()).isBetween(4.0, 6.0);
        assertThat(report.path("busOperationsPerPage").asDouble()).isBetween(2.0, 4.0);
        // Concurrent handlers in one aggregator may lose a compare-and-swap on a shared blob now and then.
        assertThat(report.path("casConflictsPerPage").asDouble()).isBetween(0.0, 0.05);
        assertThat(report.path("perReplica")).hasSize(2)
                .allSatisfy(replica -> assertThat(replica.path("peakInFlight").asInt()).isBetween(1, 4));
    }

    @Test
    void anUnknownStoreIsRefusedBeforeAnythingStarts() {
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        int exit;
        System.setErr(new PrintStream(errors, true, StandardCharsets.UTF_8));
        try {
            exit = MatterPipelineCommand.commandLine().execute("bench", "--blob", "tape");
        } finally {
            System.setErr(originalErr);
        }

        assertThat(exit).isEqualTo(1);
        assertThat(errors.toString(StandardCharsets.UTF_8)).contains("--blob is filesystem, memory or azurite");
    }

    /** Runs {@code bench} in this JVM and parses the line it prints; it moves standard output, which is put back. */
    private static JsonNode bench(String... options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        String[] args = new String[options.length + 1];
        args[0] = "bench";
        System.arraycopy(options, 0, args, 1, options.length);
        int exit;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            exit = MatterPipelineCommand.commandLine().execute(args);
        } finally {
            System.setOut(originalOut);
        }
        assertThat(exit).as("bench's exit code; it printed %s", out).isZero();
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        return MessageCodec.mapper().readTree(lines[lines.length - 1]);
    }
}
