package io.matterpipeline.ingest.access;

import io.matterpipeline.error.BadInputException;
import java.util.Arrays;

/** What a token may do. Each request needs exactly one scope (see {@link AccessFilter}). */
public enum Scope {
    /** Read a tenant's Matters: list, status, events, result. */
    MATTERS_READ("matters:read"),
    /** Change a tenant's Matters: create, upload, seal, cancel, archive, delete. */
    MATTERS_WRITE("matters:write"),
    /** Create, list and revoke tokens (of the token's own tenant; the bootstrap admin token: of every tenant). */
    TOKENS_ADMIN("tokens:admin");

    private final String value;

    Scope(String value) {
        this.value = value;
    }

    /** The scope as written in requests, responses and token records, e.g. {@code matters:read}. */
    public String value() {
        return value;
    }

    /** The scope named {@code value}; fails with {@code invalid-scope} for an unknown name. */
    public static Scope of(String value) {
        return Arrays.stream(values())
                .filter(scope -> scope.value.equals(value))
                .findFirst()
                .orElseThrow(() -> new BadInputException("invalid-scope", "Unknown scope '" + printable(value)
                        + "'; known scopes: matters:read, matters:write, tokens:admin"));
    }

    private static String printable(String value) {
        if (value == null) {
            return "null";
        }
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
