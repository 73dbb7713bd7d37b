package io.matterpipeline.config;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The one shape check of the Azure connection strings a setting holds ({@code key=value} pairs separated by
 * {@code ;}), so that a value that cannot be one fails at start-up naming the setting, where the SDK would fail deep
 * inside the first client built. Lenient on purpose: the shape and the keys that say where to connect; the rest is
 * the SDK's. The value is never repeated in the message: it holds a key.
 */
public final class ConnectionStrings {

    private ConnectionStrings() {
    }

    /**
     * @param setting the setting's name, e.g. {@code matter-pipeline.blob.azure.connection-string}
     * @param expected what it should be, e.g. "a storage connection string: AccountName=...;AccountKey=..."
     * @param complete whether the keys (lower case) are enough to connect
     * @throws IllegalArgumentException naming the setting and what was expected, without the value
     */
    public static void requireShape(String connectionString, String setting, String expected,
            Predicate<Set<String>> complete) {
        Set<String> keys = new HashSet<>();
        for (String pair : connectionString.split(";")) {
            if (pair.isBlank()) {
                continue;
            }
            int equals = pair.indexOf('=');
            if (equals < 1 || pair.substring(0, equals).isBlank()) {
                throw refused(setting, expected);
            }
            keys.add(pair.substring(0, equals).strip().toLowerCase(Locale.ROOT));
        }
        if (!complete.test(keys)) {
            throw refused(setting, expected);
        }
    }

    private static IllegalArgumentException refused(String setting, String expected) {
        return new IllegalArgumentException(setting + " is not " + expected + " (key=value pairs separated by ';'; "
                + "the value is not repeated here: it holds a key)");
    }
}
