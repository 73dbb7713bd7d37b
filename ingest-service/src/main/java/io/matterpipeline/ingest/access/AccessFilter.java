package io.matterpipeline.ingest.access;

import io.matterpipeline.ingest.IngestProperties;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Guards {@code /v1/matters/**} and {@code /v1/tokens/**}: every request there needs
 * {@code Authorization: Bearer <token>}. In order: authenticate the token (401), take one request from its rate
 * (429 with {@code Retry-After}), check the one scope the request needs (403), then hand the {@link Caller} to the
 * handlers in the exchange attributes. Scopes by request: {@code /v1/tokens/**} needs {@code tokens:admin};
 * {@code GET}/{@code HEAD} under {@code /v1/matters} need {@code matters:read}; every other method there needs
 * {@code matters:write}. Other paths (the OpenAPI document, actuator, the Blob-event webhook) are not this filter's.
 *
 * <p>Two kinds of bearer token: the service's own ({@code mpt.<id>.<secret>}, checked by {@link TokenService}) and,
 * when configured, Microsoft Entra ID access tokens (any other token, checked by {@link EntraTokens}: signature,
 * issuer, audience, expiry; app roles map to scopes, the tenant comes from a claim). Both end as a {@link Caller} and
 * go through the same rate, scope and tenant rules.
 *
 * <p>Paths are compared by their decoded segments, as the router matches them, so an encoded path
 * ({@code /v1/m%61tters}) cannot slip past.
 */
public final class AccessFilter implements WebFilter, Ordered {

    private static final String BEARER = "Bearer ";

    private final TokenService tokens;
    private final EntraTokens entra;
    private final RateLimiter rates;
    private final int burst;

    AccessFilter(TokenService tokens, EntraTokens entra, RateLimiter rates, int burst) {
        this.tokens = tokens;
        this.entra = entra;
        this.rates = rates;
        this.burst = burst;
    }

    /**
     * The filter with per-token rate buckets bounded as configured.
     *
     * @param entra the checker of Entra ID tokens, or null to accept {@code mpt.} tokens only
     */
    public static AccessFilter create(TokenService tokens, EntraTokens entra, IngestProperties.Auth settings) {
        return new AccessFilter(tokens, entra, new RateLimiter(settings.maxTrackedTokens(), System::nanoTime),
                settings.burst());
    }

    @Override
    public int getOrder() {
        // Early, but after Spring Boot's own infrastructure filters (which run at HIGHEST_PRECEDENCE and the like).
        return Ordered.HIGHEST_PRECEDENCE + 100;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        Scope needed = requiredScope(exchange.getRequest().getMethod(),
                exchange.getRequest().getPath().pathWithinApplication());
        if (needed == null) {
            return chain.filter(exchange);
        }
        List<String> authorization = exchange.getRequest().getHeaders().getOrEmpty(HttpHeaders.AUTHORIZATION);
        if (authorization.size() != 1 || !authorization.get(0).regionMatches(true, 0, BEARER, 0, BEARER.length())
                || authorization.get(0).length() == BEARER.length()) {
            return Mono.error(TokenService.unauthorized("missing-token",
                    "This request needs an 'Authorization: Bearer <token>' header"));
        }
        String token = authorization.get(0).substring(BEARER.length()).strip();
        return authenticate(token).flatMap(caller -> {
            // A token allowed a few requests per minute does not get the whole default burst at once.
            long waitNanos = rates.acquire(caller.tokenId(), caller.requestsPerMinute(),
                    Math.max(1, Math.min(burst, caller.requestsPerMinute())));
            if (waitNanos > 0) {
                long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + 999_999_999L));
                return Mono.error(new AccessDeniedException(429, "rate-limited", "This token made more than "
                        + caller.requestsPerMinute() + " requests per minute; retry after " + seconds + " s",
                        Map.of(HttpHeaders.RETRY_AFTER, String.valueOf(seconds))));
            }
            if (!caller.has(needed)) {
                return Mono.error(TokenService.forbidden("insufficient-scope", "This request needs the scope '"
                        + needed.value() + "'", needed));
            }
            exchange.getAttributes().put(Caller.ATTRIBUTE, caller);
            return chain.filter(exchange);
        });
    }

    /**
     * A JWT (three base64url parts, a JSON header: {@code eyJ...}) is an Entra token when those are accepted; anything
     * else is one of ours ({@code mpt.} or the bootstrap admin token).
     */
    private Mono<Caller> authenticate(String token) {
        return entra != null && looksLikeJwt(token) ? entra.caller(token) : tokens.authenticate(token);
    }

    static boolean looksLikeJwt(String token) {
        return token.startsWith("eyJ") && token.chars().filter(c -> c == '.').count() == 2;
    }

    /** The scope a request needs, or null when the path is not guarded here. */
    static Scope requiredScope(HttpMethod method, PathContainer path) {
        List<String> segments = path.elements().stream()
                .filter(PathContainer.PathSegment.class::isInstance)
                .map(element -> ((PathContainer.PathSegment) element).valueToMatch())
                .filter(segment -> !segment.isEmpty())
                .limit(2)
                .toList();
        if (segments.size() < 2 || !segments.get(0).equals("v1")) {
            return null;
        }
        return switch (segments.get(1)) {
            case "tokens" -> Scope.TOKENS_ADMIN;
            case "matters" -> HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method)
                    ? Scope.MATTERS_READ : Scope.MATTERS_WRITE;
            default -> null;
        };
    }
}
