package io.matterpipeline.ocr.documentintelligence;

import io.matterpipeline.ocr.OcrService;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Provides the {@link OcrService} on Azure AI Document Intelligence when {@code matter-pipeline.splitter.ocr.endpoint}
 * is set ({@link DocumentIntelligenceProperties}); without it there is no OCR and pages without a text layer are
 * reported {@code needs-ocr}.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "matter-pipeline.splitter.ocr", name = "endpoint")
@EnableConfigurationProperties(DocumentIntelligenceProperties.class)
public final class DocumentIntelligenceAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(OcrService.class)
    OcrService documentIntelligenceOcr(DocumentIntelligenceProperties properties) {
        return DocumentIntelligenceOcr.create(properties);
    }
}
