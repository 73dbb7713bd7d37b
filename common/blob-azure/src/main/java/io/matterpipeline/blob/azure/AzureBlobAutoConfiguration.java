package io.matterpipeline.blob.azure;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.config.ConditionalOnBlobType;
import io.matterpipeline.config.PipelineInfrastructureAutoConfiguration;
import io.matterpipeline.config.PipelineProperties;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Provides the {@link BlobStore} (and {@link io.matterpipeline.blob.BlobTiering}) on Azure Blob Storage when
 * {@code matter-pipeline.blob.type=azure}; settings under {@code matter-pipeline.blob.azure.*}
 * ({@link AzureBlobProperties}). Runs before the pipeline's default infrastructure so that its filesystem store
 * backs off.
 */
@AutoConfiguration(before = PipelineInfrastructureAutoConfiguration.class)
@ConditionalOnBlobType(PipelineProperties.BlobType.AZURE)
@EnableConfigurationProperties(AzureBlobProperties.class)
public final class AzureBlobAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(BlobStore.class)
    AzureBlobStore azureBlobStore(AzureBlobProperties properties) {
        return AzureBlobStore.create(properties);
    }
}
