package io.matterpipeline.ingest.access;

import io.matterpipeline.blob.BlobContent;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.contract.Ids;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.ingest.IngestProperties;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * API tokens: issue, list, revoke, and authenticate a presented token. Tokens live in the blob store
 * ({@code tokens/{id}.json}) so every ingest instance sees the same set; they are read on every request, without a
 * cache, so a revocation is effective on the next request everywhere. Only the SHA-256 of a token is stored, and it
 * is compared in constant time.
 *
 * <p>The bootstrap admin token (configuration or {@code MATTER_PIPELINE_ADMIN_TOKEN}) is not stored: it is held as
 * its hash in memory, acts for the default tenant, and may administer the tokens of every tenant. A token issued with
 * {@code tokens:admin} administers only its own tenant's tokens.
 */
public final class TokenService {

    /** The id the bootstrap admin token has in logs and in {@link Caller#tokenId()}. */
    public static final String BOOTSTRAP_ID = "bootstrap";

    private static final Logger log = LoggerFactory.getLogger(TokenService.class);
    private static final String REALM = "Bearer realm=\"matter-pipeline\"";
    private static final int MAX_DESCRIPTION = 200;
    private static final int MAX_RATE = 100_000;
    private static final int READ_CONCURRENCY = 8;

    private final BlobStore blobs;
    private final IngestProperties.Auth settings;
    private final String defaultTenant;
    private final byte[] bootstrapHash;
    private final Set<Scope> bootstrapScopes;
    private final Clock clock;
    private final JsonMapper mapper = MessageCodec.mapper();

    /**
     * @param bootstrapToken the bootstrap admin token, or null for none
     * @throws IllegalArgumentException when the bootstrap token is shorter than the configured minimum
     */
    public TokenService(BlobStore blobs, IngestProperties.Auth settings, String defaultTenant, String bootstrapToken,
            Clock clock) {
        this.blobs = blobs;
        this.settings = settings;
        this.defaultTenant = defaultTenant;
        this.clock = clock;
        if (bootstrapToken == null || bootstrapToken.isBlank()) {
            this.bootstrapHash = null;
            log.warn("No bootstrap admin token (MATTER_PIPELINE_ADMIN_TOKEN): only tokens already in the blob store "
                    + "are accepted");
        } else {
            if (bootstrapToken.strip().length() < settings.minAdminTokenLength()) {
                throw new IllegalArgumentException("The bootstrap admin token (MATTER_PIPELINE_ADMIN_TOKEN) must be at "
                        + "least " + settings.minAdminTokenLength() + " characters");
            }
            this.bootstrapHash = TokenSecrets.digest(bootstrapToken.strip());
        }
        EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
        settings.adminScopes().forEach(scope -> scopes.add(Scope.of(scope)));
        this.bootstrapScopes = scopes;
    }

    /**
     * The caller a presented bearer token stands for. Fails with {@link AccessDeniedException} (401):
     * {@code invalid-token} for an unknown or malformed token or a wrong secret, {@code token-expired},
     * {@code token-revoked} (told only to a caller who holds the right secret).
     */
    public Mono<Caller> authenticate(String token) {
        return Mono.defer(() -> {
            if (bootstrapHash != null && java.security.MessageDigest.isEqual(TokenSecrets.digest(token),
                    bootstrapHash)) {
                return Mono.just(new Caller(BOOTSTRAP_ID, defaultTenant, bootstrapScopes, true,
                        settings.requestsPerMinute()));
            }
            Optional<String> id = TokenSecrets.idOf(token).filter(Ids::isValid);
            if (id.isEmpty()) {
                return Mono.error(unauthorized("invalid-token", "The bearer token is not valid"));
            }
            return readRecord(id.get())
                    .map(stored -> stored.record)
                    .filter(record -> TokenSecrets.matches(token, record.secretHash()))
                    .switchIfEmpty(Mono.error(() -> unauthorized("invalid-token", "The bearer token is not valid")))
                    .map(this::caller);
        });
    }

    private Caller caller(TokenRecord record) {
        if (record.revokedAt() != null) {
            throw unauthorized("token-revoked", "The bearer token was revoked at " + record.revokedAt());
        }
        if (record.expiresAt() != null && !clock.instant().isBefore(record.expiresAt())) {
            throw unauthorized("token-expired", "The bearer token expired at " + record.expiresAt());
        }
        EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String scope : record.scopes()) {
            try {
                scopes.add(Scope.of(scope));
            } catch (BadInputException unknown) {
                // A scope this version does not know grants nothing.
            }
        }
        return new Caller(record.id(), record.tenant(), scopes, false,
                record.requestsPerMinute() == null ? settings.requestsPerMinute() : record.requestsPerMinute());
    }

    /**
     * Issues a token. Fails with {@code invalid-scope}, {@code invalid-tenant}, {@code invalid-expiry},
     * {@code invalid-description}, {@code invalid-rate} (bad input) and {@code tenant-not-allowed} (403) when the
     * caller administers another tenant only.
     */
    public Mono<IssuedToken> issue(Caller caller, NewToken request) {
        return Mono.defer(() -> {
            if (request.scopes() == null || request.scopes().isEmpty()) {
                throw new BadInputException("invalid-scope", "scopes must name at least one scope");
            }
            Set<String> scopes = new LinkedHashSet<>();
            request.scopes().forEach(scope -> scopes.add(Scope.of(scope).value()));
            if (!Ids.isValid(request.tenant())) {
                throw new BadInputException("invalid-tenant", "tenant must be 1 to 64 characters of letters, digits, "
                        + "'-' or '_' starting with a letter or digit");
            }
            if (!caller.administers(request.tenant())) {
                throw forbidden("tenant-not-allowed", "This token administers the tokens of tenant " + caller.tenant()
                        + " only", null);
            }
            Instant now = clock.instant();
            Instant expiresAt = request.expiresAt() == null ? now.plus(settings.defaultTokenLifetime())
                    : request.expiresAt();
            if (!expiresAt.isAfter(now) || expiresAt.isAfter(now.plus(settings.maxTokenLifetime()))) {
                throw new BadInputException("invalid-expiry", "expiresAt must be in the future and at most "
                        + settings.maxTokenLifetime().toDays() + " days ahead");
            }
            String description = request.description();
            if (description != null && (description.length() > MAX_DESCRIPTION
                    || description.codePoints().anyMatch(Character::isISOControl))) {
                throw new BadInputException("invalid-description", "description must be at most " + MAX_DESCRIPTION
                        + " characters without control characters");
            }
            Integer rate = request.requestsPerMinute();
            if (rate != null && (rate < 1 || rate > MAX_RATE)) {
                throw new BadInputException("invalid-rate", "requestsPerMinute must be between 1 and " + MAX_RATE);
            }
            String id = TokenSecrets.newId();
            String token = TokenSecrets.newToken(id);
            TokenRecord record = new TokenRecord(id, request.tenant(), List.copyOf(scopes), description, now,
                    expiresAt, rate, null, TokenSecrets.hash(token));
            return blobs.putBytes(BlobPaths.token(id), mapper.writeValueAsBytes(record), PutCondition.ifAbsent())
                    .doOnSuccess(written -> log.info("Token {} issued for tenant {} with scopes {} by {}", id,
                            record.tenant(), scopes, caller.tokenId()))
                    .thenReturn(new IssuedToken(id, token, record.tenant(), record.scopes(), description, now,
                            expiresAt, rate));
        });
    }

    /**
     * The tokens the caller administers, in id order, revoked ones included.
     *
     * @param tenant only this tenant's tokens; null for every tenant the caller administers
     * @param cursor null for the first page, else the previous page's {@link TokenPage#nextCursor()}
     */
    public Mono<TokenPage> list(Caller caller, String tenant, int limit, String cursor) {
        return Mono.defer(() -> {
            if (cursor != null && !Ids.isValid(cursor)) {
                throw new BadInputException("invalid-cursor", "The cursor is not one this API returned");
            }
            if (tenant != null && !Ids.isValid(tenant)) {
                throw new BadInputException("invalid-tenant", "tenant is not a tenant name");
            }
            String prefix = BlobPaths.tokensPrefix();
            return blobs.list(prefix)
                    .map(info -> info.path().substring(prefix.length()))
                    .filter(name -> name.endsWith(".json"))
                    .map(name -> name.substring(0, name.length() - ".json".length()))
                    .filter(id -> cursor == null || id.compareTo(cursor) > 0)
                    .flatMapSequential(id -> readRecord(id).map(stored -> stored.record), READ_CONCURRENCY)
                    .filter(record -> caller.administers(record.tenant())
                            && (tenant == null || tenant.equals(record.tenant())))
                    .take(limit + 1L)
                    .map(TokenRecord::view)
                    .collectList()
                    .map(views -> views.size() > limit
                            ? new TokenPage(views.subList(0, limit), views.get(limit - 1).id())
                            : new TokenPage(views, null));
        });
    }

    /**
     * Revokes a token: it is refused from the next request on, on every instance. Revoking a revoked token changes
     * nothing. Fails with {@code token-not-found} for an unknown token or one of a tenant the caller does not
     * administer.
     */
    public Mono<Void> revoke(Caller caller, String tokenId) {
        return Mono.defer(() -> {
            if (!Ids.isValid(tokenId)) {
                throw new NotFoundException("token-not-found", "No token with this id");
            }
            return readRecord(tokenId)
                    .filter(stored -> caller.administers(stored.record.tenant()))
                    .switchIfEmpty(Mono.error(() -> new NotFoundException("token-not-found",
                            "No token with id " + tokenId)))
                    .flatMap(stored -> stored.record.revokedAt() != null ? Mono.empty()
                            : blobs.putBytes(BlobPaths.token(tokenId),
                                    mapper.writeValueAsBytes(stored.record.revoked(clock.instant())),
                                    PutCondition.ifMatch(stored.etag)))
                    .retryWhen(Retry.max(5).filter(error -> error instanceof ConflictException))
                    .doOnSuccess(done -> log.info("Token {} revoked by {}", tokenId, caller.tokenId()))
                    .then();
        });
    }

    private Mono<Stored> readRecord(String id) {
        return blobs.read(BlobPaths.token(id)).flatMap(content -> decode(id, content));
    }

    private Mono<Stored> decode(String id, BlobContent content) {
        try {
            return Mono.just(new Stored(mapper.readValue(content.bytes(), TokenRecord.class), content.etag()));
        } catch (JacksonException e) {
            log.error("Token record {} is unreadable; the token is refused", id);
            return Mono.empty();
        }
    }

    static AccessDeniedException unauthorized(String reason, String message) {
        String challenge = reason.equals("missing-token") ? REALM
                : REALM + ", error=\"invalid_token\", error_description=\"" + message.replace('"', '\'') + "\"";
        return new AccessDeniedException(401, reason, message, Map.of("WWW-Authenticate", challenge));
    }

    static AccessDeniedException forbidden(String reason, String message, Scope needed) {
        String challenge = REALM + ", error=\"insufficient_scope\""
                + (needed == null ? "" : ", scope=\"" + needed.value() + "\"");
        return new AccessDeniedException(403, reason, message, Map.of("WWW-Authenticate", challenge));
    }

    private record Stored(TokenRecord record, String etag) {
    }
}
