package io.matterpipeline.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Conditional;

/**
 * Matches when {@code matter-pipeline.bus.type} is the given adapter (relaxed: {@code in-memory}, {@code IN_MEMORY}
 * and {@code inMemory} all name {@link PipelineProperties.BusType#IN_MEMORY}; unset means in-memory). For the
 * auto-configuration of a bus adapter.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Documented
@Conditional(AdapterTypeCondition.class)
public @interface ConditionalOnBusType {

    /** The adapter this configuration provides. */
    PipelineProperties.BusType value();
}
