package io.matterpipeline.config;

import java.util.List;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;

/**
 * The defaults of a properties record, read from its {@code @DefaultValue} annotations: binding an empty source is
 * what Spring does when nothing is set, so code that builds properties without Spring (tests, the standalone
 * commands) gets the same values, and each default is written once, where the configuration metadata finds it.
 */
public final class PropertyDefaults {

    private static final Binder EMPTY = new Binder(List.of());

    private PropertyDefaults() {
    }

    /** A {@code type} bound from no properties at all. */
    public static <T> T of(Class<T> type) {
        return EMPTY.bindOrCreate("defaults", Bindable.of(type));
    }
}
