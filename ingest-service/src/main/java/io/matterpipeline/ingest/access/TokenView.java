package io.matterpipeline.ingest.access;

import java.time.Instant;
import java.util.List;

/**
 * A token as {@code GET /v1/tokens} shows it: everything but the secret.
 *
 * @param requestsPerMinute the token's own rate; null for the configured default
 * @param revokedAt null unless revoked
 */
public record TokenView(String id, String tenant, List<String> scopes, String description, Instant createdAt,
        Instant expiresAt, Integer requestsPerMinute, Instant revokedAt) {
}
