package io.matterpipeline.assemble;

import java.nio.file.Path;

/**
 * What document and Matter assembly share on one aggregator instance.
 *
 * @param spillDirectory where merge runs and spooled pages go while a result is written
 * @param memoryBytes heap one merge may fill before it spills (a Matter assembly holds about twice this)
 * @param readConcurrency blob requests at once of one assembly (page blobs read, item pages written)
 * @param permits bounds how many assemblies run at once, so their buffers add up to a known amount
 */
record AssemblySettings(Path spillDirectory, long memoryBytes, int readConcurrency, AssemblyPermits permits) {

    static AssemblySettings of(AggregatorProperties.Merge merge) {
        return new AssemblySettings(merge.spillDirectory(), merge.memory().toBytes(), merge.readConcurrency(),
                new AssemblyPermits(merge.assemblies()));
    }
}
