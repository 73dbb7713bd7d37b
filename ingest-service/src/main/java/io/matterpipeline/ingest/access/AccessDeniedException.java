package io.matterpipeline.ingest.access;

import java.util.Map;

/**
 * A request refused before it reached a handler: 401 (no token, a bad, expired or revoked one), 403 (a token without
 * the scope the request needs) or 429 (a token past its rate). The API maps it to problem+json with {@link #reason()}
 * as the type and {@link #headers()} ({@code WWW-Authenticate}, {@code Retry-After}) on the response.
 */
public final class AccessDeniedException extends RuntimeException {

    private final int status;
    private final String reason;
    private final Map<String, String> headers;

    AccessDeniedException(int status, String reason, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.reason = reason;
        this.headers = Map.copyOf(headers);
    }

    /**
     * A 401 for a credential that is missing ({@code missing-token}: a bare challenge) or wrong (any other reason:
     * {@code error="invalid_token"} with {@code message} as the description).
     */
    public static AccessDeniedException unauthorized(String reason, String message) {
        return TokenService.unauthorized(reason, message);
    }

    /** A 403 for a caller who is known but not allowed ({@code error="insufficient_scope"}). */
    public static AccessDeniedException forbidden(String reason, String message) {
        return TokenService.forbidden(reason, message, null);
    }

    /** The HTTP status: 401, 403 or 429. */
    public int status() {
        return status;
    }

    /** The stable reason code, such as {@code missing-token}, {@code insufficient-scope}, {@code rate-limited}. */
    public String reason() {
        return reason;
    }

    /** Response headers that go with the refusal. */
    public Map<String, String> headers() {
        return headers;
    }
}
