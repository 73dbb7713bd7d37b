package io.matterpipeline.config;

import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Binds the adapter type properties the way {@link PipelineProperties} does (relaxed enum names, the same defaults),
 * so a condition and the bound properties never disagree.
 */
final class AdapterTypeCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Binder binder = Binder.get(context.getEnvironment());
        Map<String, Object> bus = metadata.getAnnotationAttributes(ConditionalOnBusType.class.getName());
        if (bus != null) {
            Object wanted = bus.get("value");
            PipelineProperties.BusType actual = binder.bind("matter-pipeline.bus.type", PipelineProperties.BusType.class)
                    .orElse(PipelineProperties.BusType.IN_MEMORY);
            return new ConditionOutcome(actual == wanted, "matter-pipeline.bus.type is " + actual);
        }
        Map<String, Object> blob = metadata.getAnnotationAttributes(ConditionalOnBlobType.class.getName());
        if (blob != null) {
            Object wanted = blob.get("value");
            PipelineProperties.BlobType actual = binder.bind("matter-pipeline.blob.type",
                    PipelineProperties.BlobType.class).orElse(PipelineProperties.BlobType.FILESYSTEM);
            return new ConditionOutcome(actual == wanted, "matter-pipeline.blob.type is " + actual);
        }
        return ConditionOutcome.noMatch("no adapter type annotation");
    }
}
