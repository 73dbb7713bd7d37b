package io.matterpipeline.config;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.blob.memory.InMemoryBlobStore;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.memory.InMemoryBusOptions;
import io.matterpipeline.bus.memory.InMemoryMessageBus;
import io.matterpipeline.error.FatalErrors;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Provides the {@link MessageBus} and {@link BlobStore} every service uses, chosen by
 * {@code matter-pipeline.bus.type} and {@code matter-pipeline.blob.type}.
 *
 * <p>This configuration provides the embedded adapters (in-memory bus, filesystem or in-memory store). The other adapters plug in
 * through the same mechanism: an {@code @AutoConfiguration(before = PipelineInfrastructureAutoConfiguration.class)}
 * declaring its {@code MessageBus} or {@code BlobStore} bean under {@link ConditionalOnBusType} /
 * {@link ConditionalOnBlobType}; the beans here then back off ({@code @ConditionalOnMissingBean}). When a type is
 * configured whose adapter is not present, startup fails with a message saying so, rather than silently running on
 * the embedded adapter.
 */
@AutoConfiguration
@EnableConfigurationProperties(PipelineProperties.class)
public class PipelineInfrastructureAutoConfiguration {

    /** The message bus; the in-memory one is closed with the context, after the consumers stopped. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(MessageBus.class)
    public InMemoryMessageBus messageBus(PipelineProperties properties) {
        PipelineProperties.BusType type = properties.bus().type();
        if (type != PipelineProperties.BusType.IN_MEMORY) {
            throw new IllegalStateException("matter-pipeline.bus.type is " + type + " but no " + type
                    + " MessageBus adapter is configured: add the adapter's auto-configuration (module on the "
                    + "classpath) or set matter-pipeline.bus.type=in-memory");
        }
        PipelineProperties.InMemory inMemory = properties.bus().inMemory();
        return InMemoryMessageBus.create(new InMemoryBusOptions(inMemory.lockDuration(), inMemory.maxDeliveryCount(),
                inMemory.duplicateDeliveryRate(), inMemory.handlerCrashRate(), inMemory.seed(),
                inMemory.lockCheckInterval(), inMemory.maxQueued().capacities(properties.queues())));
    }

    /** The blob store; the filesystem one is closed with the context (its lock files, its I/O threads). */
    @Bean
    @ConditionalOnMissingBean(BlobStore.class)
    public BlobStore blobStore(PipelineProperties properties) {
        PipelineProperties.BlobType type = properties.blob().type();
        if (type == PipelineProperties.BlobType.MEMORY) {
            return InMemoryBlobStore.create();
        }
        if (type != PipelineProperties.BlobType.FILESYSTEM) {
            throw new IllegalStateException("matter-pipeline.blob.type is " + type + " but no " + type
                    + " BlobStore adapter is configured: add the adapter's auto-configuration (module on the "
                    + "classpath) or set matter-pipeline.blob.type=filesystem");
        }
        PipelineProperties.Filesystem filesystem = properties.blob().filesystem();
        return FileSystemBlobStore.create(filesystem.root(), filesystem.ioThreads(), filesystem.ioQueue());
    }

    /**
     * Stops the process on a JVM {@link VirtualMachineError} (out of memory, ...) so its messages are redelivered,
     * rather than living on with a dead consumer ({@link FatalErrors}); every service gets it.
     */
    @Bean
    public SmartInitializingSingleton matterPipelineFatalErrors() {
        return FatalErrors::install;
    }
}
