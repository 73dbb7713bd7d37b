package io.matterpipeline.blob.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.BlobTiering;
import io.matterpipeline.blob.filesystem.FileSystemBlobStore;
import io.matterpipeline.config.PipelineInfrastructureAutoConfiguration;
import io.matterpipeline.testkit.azurite.Azurite;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.util.unit.DataSize;

class AzureBlobAutoConfigurationTests {

    private static final String CONNECTION_STRING = "DefaultEndpointsProtocol=http;AccountName="
            + Azurite.ACCOUNT_NAME + ";AccountKey=" + Azurite.ACCOUNT_KEY
            + ";BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;";

    @TempDir
    Path root;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AzureBlobAutoConfiguration.class,
                    PipelineInfrastructureAutoConfiguration.class));

    @Test
    void blobTypeAzureProvidesTheAzureStoreWithTieringAndTypedSettings() {
        runner.withPropertyValues(
                        "matter-pipeline.blob.type=azure",
                        "matter-pipeline.blob.azure.connection-string=" + CONNECTION_STRING,
                        "matter-pipeline.blob.azure.container=matters",
                        "matter-pipeline.blob.azure.block-size=8MB",
                        "matter-pipeline.blob.azure.max-concurrency=3",
                        "matter-pipeline.blob.azure.try-timeout=20s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(BlobStore.class)).isInstanceOf(AzureBlobStore.class);
                    assertThat(context.getBean(BlobTiering.class)).isSameAs(context.getBean(BlobStore.class));
                    assertThat(((AzureBlobStore) context.getBean(BlobStore.class)).containerName())
                            .isEqualTo("matters");
                    AzureBlobProperties properties = context.getBean(AzureBlobProperties.class);
                    assertThat(properties.blockSize()).isEqualTo(DataSize.ofMegabytes(8));
                    assertThat(properties.maxConcurrency()).isEqualTo(3);
                    assertThat(properties.tryTimeout()).isEqualTo(Duration.ofSeconds(20));
                    assertThat(properties.batchSize()).isEqualTo(256);
                    assertThat(properties.createContainer()).isTrue();
                    assertThat(properties.toString()).doesNotContain(Azurite.ACCOUNT_KEY);
                });
    }

    @Test
    void withoutBlobTypeAzureTheFilesystemStoreStays() {
        runner.withPropertyValues("matter-pipeline.blob.filesystem.root=" + root)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(BlobStore.class)).isInstanceOf(FileSystemBlobStore.class);
                    assertThat(context).doesNotHaveBean(AzureBlobProperties.class);
                    assertThat(context).doesNotHaveBean(BlobTiering.class);
                });
    }

    @Test
    void azureWithoutCredentialsFailsAtStartupSayingWhatIsMissing() {
        runner.withPropertyValues("matter-pipeline.blob.type=azure")
                .run(context -> assertThat(context).getFailure()
                        .rootCause().hasMessageContaining("connection-string").hasMessageContaining("account-url"));
    }

    @Test
    void whatCannotBeAConnectionStringFailsAtStartupNamingTheSettingNotItsValue() {
        for (String wrong : new String[] {"nonsense-with-a-secret", "AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net",
                "=x;AccountName=a"}) {
            runner.withPropertyValues("matter-pipeline.blob.type=azure",
                            "matter-pipeline.blob.azure.connection-string=" + wrong)
                    .run(context -> assertThat(context).getFailure().rootCause()
                            .hasMessageStartingWith("matter-pipeline.blob.azure.connection-string is not a storage "
                                    + "connection string")
                            .message().doesNotContain("secret", "c2VjcmV0"));
        }
        for (String right : new String[] {"UseDevelopmentStorage=true", CONNECTION_STRING,
                "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2024&sig=x"}) {
            assertThat(AzureBlobProperties.ofConnectionString(right, "c").connectionString()).isEqualTo(right);
        }
    }

    @Test
    void batchesLargerThanAzureAllowsAreRejected() {
        runner.withPropertyValues("matter-pipeline.blob.type=azure",
                        "matter-pipeline.blob.azure.connection-string=" + CONNECTION_STRING,
                        "matter-pipeline.blob.azure.batch-size=300")
                .run(context -> assertThat(context).getFailure()
                        .rootCause().hasMessageContaining("batch-size must be 1..256"));
    }
}
