package io.matterpipeline.ingest.access;

import java.time.Instant;
import java.util.List;

/**
 * The body of {@code POST /v1/tokens}.
 *
 * @param scopes at least one of {@code matters:read}, {@code matters:write}, {@code tokens:admin}
 * @param tenant the tenant the token acts for (letters, digits, '-', '_'; at most 64)
 * @param expiresAt optional; in the future and within the configured maximum lifetime; absent: the default lifetime
 * @param description optional label, at most 200 characters
 * @param requestsPerMinute optional own rate limit, 1 to 100000
 */
public record NewToken(List<String> scopes, String tenant, Instant expiresAt, String description,
        Integer requestsPerMinute) {
}
