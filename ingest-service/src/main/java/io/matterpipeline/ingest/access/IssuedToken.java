package io.matterpipeline.ingest.access;

import java.time.Instant;
import java.util.List;

/**
 * The answer to {@code POST /v1/tokens}: the token itself in {@code token}, shown this once (only its hash is
 * stored), and what it may do.
 */
public record IssuedToken(String id, String token, String tenant, List<String> scopes, String description,
        Instant createdAt, Instant expiresAt, Integer requestsPerMinute) {
}
