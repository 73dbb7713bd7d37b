package io.matterpipeline.ingest.trigger;

import io.matterpipeline.ingest.access.AccessDeniedException;
import io.matterpipeline.ingest.access.EntraTokens;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;

/**
 * Who may call the Blob webhook: Event Grid, proven one of two ways.
 * <ul>
 *   <li>a shared secret, in the query parameter {@value #QUERY} of the subscription's endpoint URL or in the header
 *       {@value #HEADER} (an Event Grid delivery property); compared in constant time (SHA-256 of both sides, then
 *       {@link MessageDigest#isEqual});</li>
 *   <li>Event Grid's Microsoft Entra token delivery: a bearer token for the webhook's own audience, checked by the
 *       same {@link EntraTokens} checker as API tokens (signature, issuer, audience, expiry), carrying the configured
 *       app role.</li>
 * </ul>
 * Every request needs one, the validation handshakes included. A request without either is 401
 * {@code missing-token}, a wrong secret 401 {@code invalid-webhook-secret}, a bad token 401 as on the API, a token
 * without the role 403 {@code insufficient-role}. Nothing of the body is read before the check passes.
 */
final class WebhookAuthentication {

    static final String QUERY = "code";
    static final String HEADER = "X-Webhook-Secret";
    private static final String BEARER = "Bearer ";

    private final byte[] secretDigest;
    private final EntraTokens entra;
    private final String role;

    /**
     * @param secret the shared secret, or null when only Entra delivery is accepted
     * @param entra the checker for the webhook's audience, or null when only the secret is accepted
     * @param role the app role an Entra token must carry; empty for none
     */
    WebhookAuthentication(String secret, EntraTokens entra, String role) {
        if (secret == null && entra == null) {
            throw new IllegalArgumentException("The Blob webhook needs a way to authenticate Event Grid: set "
                    + "matter-pipeline.ingest.trigger.webhook-secret, or webhook-audience with "
                    + "matter-pipeline.ingest.auth.entra.*, or turn the webhook off (webhook-enabled=false)");
        }
        this.secretDigest = secret == null ? null : digest(secret);
        this.entra = entra;
        this.role = role == null ? "" : role;
    }

    /** Completes when the request comes from Event Grid; fails with {@link AccessDeniedException} otherwise. */
    Mono<Void> check(ServerRequest request) {
        return Mono.defer(() -> {
            List<String> secrets = new java.util.ArrayList<>(request.queryParams().getOrDefault(QUERY, List.of()));
            secrets.addAll(request.headers().header(HEADER));
            List<String> authorization = request.headers().header(HttpHeaders.AUTHORIZATION);
            if (!secrets.isEmpty()) {
                if (secretDigest != null && secrets.size() == 1
                        && MessageDigest.isEqual(digest(secrets.get(0)), secretDigest)) {
                    return Mono.empty();
                }
                return Mono.error(AccessDeniedException.unauthorized("invalid-webhook-secret",
                        "The webhook secret is not valid"));
            }
            if (entra != null && authorization.size() == 1
                    && authorization.get(0).regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                return entra.verify(authorization.get(0).substring(BEARER.length()).strip())
                        .flatMap(jwt -> role.isEmpty() || entra.roles(jwt).contains(role) ? Mono.<Void>empty()
                                : Mono.error(AccessDeniedException.forbidden("insufficient-role",
                                        "The token lacks the app role '" + role + "' that Event Grid's delivery has")));
            }
            return Mono.error(AccessDeniedException.unauthorized("missing-token", "The Blob webhook needs "
                    + (secretDigest != null ? "the secret ('" + QUERY + "' query parameter or " + HEADER + " header)"
                            : "") + (secretDigest != null && entra != null ? " or " : "")
                    + (entra != null ? "Event Grid's Microsoft Entra bearer token" : "")));
        });
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
