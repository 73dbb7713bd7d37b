package io.matterpipeline.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Conditional;

/**
 * Matches when {@code matter-pipeline.blob.type} is the given adapter (relaxed binding; unset means filesystem). For
 * the auto-configuration of a blob store adapter.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Documented
@Conditional(AdapterTypeCondition.class)
public @interface ConditionalOnBlobType {

    /** The adapter this configuration provides. */
    PipelineProperties.BlobType value();
}
