package io.matterpipeline.ingest.access;

import io.matterpipeline.contract.Ids;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.ingest.IngestProperties;
import java.net.URI;
import java.time.Clock;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

/**
 * Microsoft Entra ID access tokens: checks one with Spring Security's {@link NimbusReactiveJwtDecoder} (RS256
 * signature by a key of the tenant's published set, {@code iss}, {@code aud}, {@code exp} required and in the future,
 * {@code nbf} in the past, both within the clock skew) and reads what the token grants. A token failing a check is
 * refused with {@link AccessDeniedException} 401 whose {@code WWW-Authenticate} says why in RFC 6750 form
 * ({@code error="invalid_token", error_description="..."}): reason {@code token-expired} for an expired token,
 * {@code invalid-token} for every other failure. When the signing keys cannot be fetched (and none are cached) the
 * request fails with a transient error (503): the token may be fine.
 *
 * <p>One instance checks one audience: the API's ({@link #caller}) or the Blob webhook's ({@link #verify}).
 */
public final class EntraTokens {

    /** App role to scope, as the app registration declares the roles. */
    static final Map<String, Scope> ROLE_SCOPES = Map.of(
            "Matters.Read", Scope.MATTERS_READ,
            "Matters.Write", Scope.MATTERS_WRITE,
            "Tokens.Admin", Scope.TOKENS_ADMIN);

    private final ReactiveJwtDecoder decoder;
    private final IngestProperties.Entra settings;
    private final int requestsPerMinute;

    private EntraTokens(ReactiveJwtDecoder decoder, IngestProperties.Entra settings, int requestsPerMinute) {
        this.decoder = decoder;
        this.settings = settings;
        this.requestsPerMinute = requestsPerMinute;
    }

    /**
     * A checker of tokens for {@code audience}, sharing {@code keys} with the service's other checkers.
     *
     * @param requestsPerMinute the rate an Entra caller gets (the configured default of tokens)
     */
    static EntraTokens create(IngestProperties.Entra settings, String audience, SigningKeys keys,
            int requestsPerMinute, Clock clock) {
        NimbusReactiveJwtDecoder decoder = NimbusReactiveJwtDecoder.withJwkSource(keys).build();
        JwtTimestampValidator timestamps = new JwtTimestampValidator(settings.clockSkew());
        timestamps.setClock(clock);
        timestamps.setAllowEmptyExpiryClaim(false);
        decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(List.of(
                timestamps,
                new JwtIssuerValidator(settings.issuer()),
                new JwtAudienceValidator(audience))));
        return new EntraTokens(decoder, settings, requestsPerMinute);
    }

    /** The signing keys of {@code settings}, fetched with a client of its own. */
    static SigningKeys keys(IngestProperties.Entra settings) {
        return new SigningKeys(WebClient.create(), URI.create(settings.jwkSetUri()), settings.keysMaxAge(),
                settings.keysMinRefreshInterval(), settings.keysTimeout(), System::nanoTime);
    }

    /**
     * The API's checker ({@code matter-pipeline.ingest.auth.entra}), or null when Entra tokens are not configured.
     */
    public static EntraTokens forApi(IngestProperties.Auth auth) {
        if (!auth.entra().enabled()) {
            return null;
        }
        return create(auth.entra(), auth.entra().audience(), keys(auth.entra()), auth.requestsPerMinute(),
                Clock.systemUTC());
    }

    /**
     * A checker for another audience with the same issuer and keys settings (the Blob webhook's), or null when
     * Entra tokens are not configured.
     */
    public static EntraTokens forAudience(IngestProperties.Auth auth, String audience) {
        if (!auth.entra().enabled()) {
            return null;
        }
        return create(auth.entra(), audience, keys(auth.entra()), auth.requestsPerMinute(), Clock.systemUTC());
    }

    /**
     * The checked token's claims. Fails with {@link AccessDeniedException} 401 for a token that fails a check, and a
     * {@link TransientException} ({@code signing-keys-unavailable}) when the keys cannot be had.
     */
    public Mono<Jwt> verify(String token) {
        return decoder.decode(token).onErrorMap(EntraTokens::refusal);
    }

    /** The roles a checked token carries. */
    public Set<String> roles(Jwt jwt) {
        Object roles = jwt.getClaims().get(settings.rolesClaim());
        if (roles instanceof Collection<?> values) {
            return values.stream().filter(String.class::isInstance).map(String.class::cast)
                    .collect(Collectors.toUnmodifiableSet());
        }
        return roles instanceof String single ? Set.of(single) : Set.of();
    }

    /**
     * The caller an API token stands for: its tenant from the tenant claim, its scopes from its app roles (a token
     * without any of the three roles has no scope: 403 on every request). Its rate is tracked per tenant and object
     * (user or service principal).
     */
    Mono<Caller> caller(String token) {
        return verify(token).flatMap(jwt -> {
            String tenant = jwt.getClaimAsString(settings.tenantClaim());
            if (!Ids.isValid(tenant)) {
                return Mono.error(TokenService.unauthorized("invalid-token", "The token's '"
                        + settings.tenantClaim() + "' claim is missing or not a tenant name"));
            }
            EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
            roles(jwt).forEach(role -> {
                Scope scope = ROLE_SCOPES.get(role);
                if (scope != null) {
                    scopes.add(scope);
                }
            });
            String who = jwt.getClaimAsString("oid") != null ? jwt.getClaimAsString("oid") : jwt.getSubject();
            return Mono.just(new Caller("entra:" + tenant + ":" + who, tenant, scopes, false, requestsPerMinute));
        });
    }

    private static Throwable refusal(Throwable failure) {
        if (failure instanceof JwtValidationException invalid) {
            Collection<OAuth2Error> errors = invalid.getErrors();
            String description = errors.stream().map(OAuth2Error::getDescription).filter(Objects::nonNull)
                    .collect(Collectors.joining("; "));
            boolean expired = errors.stream().anyMatch(error -> error.getDescription() != null
                    && error.getDescription().startsWith("Jwt expired"));
            return TokenService.unauthorized(expired ? "token-expired" : "invalid-token",
                    description.isEmpty() ? "The bearer token is not valid" : description);
        }
        if (failure instanceof BadJwtException bad) {
            // "Signed JWT rejected: Invalid signature", "... no matching key(s) found", a token that does not parse.
            String why = bad.getCause() != null && bad.getCause().getMessage() != null ? bad.getCause().getMessage()
                    : bad.getMessage();
            return TokenService.unauthorized("invalid-token", printable(why));
        }
        return new TransientException("signing-keys-unavailable", "The token could not be checked now: the "
                + "identity provider's signing keys are unavailable", failure);
    }

    /** Short and free of characters that would break the quoted header value. */
    private static String printable(String message) {
        String shown = message.length() > 200 ? message.substring(0, 200) + "..." : message;
        return shown.replaceAll("[\\p{Cntrl}\"\\\\]", "'");
    }
}
