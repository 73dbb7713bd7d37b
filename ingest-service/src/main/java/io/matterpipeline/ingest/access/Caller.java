package io.matterpipeline.ingest.access;

import java.util.Set;

/**
 * Who made a request, as established by {@link AccessFilter}: stored in the exchange attributes under
 * {@link #ATTRIBUTE} for the handlers.
 *
 * @param tokenId the token's id ({@code bootstrap} for the admin token from the environment)
 * @param tenant whose Matters the caller sees and changes
 * @param allTenants true only for the bootstrap admin token: it administers the tokens of every tenant
 * @param requestsPerMinute the sustained request rate the caller is allowed
 */
public record Caller(String tokenId, String tenant, Set<Scope> scopes, boolean allTenants, int requestsPerMinute) {

    /** The exchange attribute holding the {@link Caller}. */
    public static final String ATTRIBUTE = Caller.class.getName();

    public Caller {
        scopes = Set.copyOf(scopes);
    }

    public boolean has(Scope scope) {
        return scopes.contains(scope);
    }

    /** True when the caller may administer tokens of {@code otherTenant}. */
    public boolean administers(String otherTenant) {
        return has(Scope.TOKENS_ADMIN) && (allTenants || tenant.equals(otherTenant));
    }
}
