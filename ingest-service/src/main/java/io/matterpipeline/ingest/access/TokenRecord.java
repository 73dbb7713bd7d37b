package io.matterpipeline.ingest.access;

import java.time.Instant;
import java.util.List;

/**
 * A token as stored at {@code BlobPaths.token(id)}: never the secret, only its SHA-256.
 *
 * @param secretHash hex SHA-256 of the whole token string
 * @param requestsPerMinute the token's own rate; null for the configured default
 * @param revokedAt null unless revoked; a revoked token is refused from the next request on
 */
record TokenRecord(String id, String tenant, List<String> scopes, String description, Instant createdAt,
        Instant expiresAt, Integer requestsPerMinute, Instant revokedAt, String secretHash) {

    TokenRecord revoked(Instant at) {
        return revokedAt != null ? this : new TokenRecord(id, tenant, scopes, description, createdAt, expiresAt,
                requestsPerMinute, at, secretHash);
    }

    TokenView view() {
        return new TokenView(id, tenant, scopes, description, createdAt, expiresAt, requestsPerMinute, revokedAt);
    }
}
