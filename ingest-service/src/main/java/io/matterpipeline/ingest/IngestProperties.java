package io.matterpipeline.ingest;

import io.matterpipeline.bus.ConsumerProperties;
import io.matterpipeline.bus.ConsumerSettings;
import io.matterpipeline.bus.DeadLetterSweepSettings;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the ingest service, prefix {@code matter-pipeline.ingest}. Every default is safe for local use.
 *
 * @param maxDocumentSize largest accepted document; an upload past it is cut off with 413 and nothing of it is kept
 * @param maxDocumentsPerMatter most documents one Matter may hold; one more is refused with 409
 * @param maxNameLength longest Matter name, in characters
 * @param defaultTenant tenant of Matters created without a caller (the standalone command line) and of the
 *     bootstrap admin token
 * @param manifestUpdateAttempts attempts of a Matter manifest compare-and-swap under contention before the request
 *     fails with 503
 * @param manifestUpdateBackoff first pause between manifest compare-and-swap attempts (doubles, with jitter, up to
 *     1 s)
 * @param statusReadConcurrency progress blobs read at once for one status request
 * @param maxJsonBody largest JSON request body (create a Matter, create a token); larger ones get 413
 * @param listing paging of Matter and token listings
 * @param events the live progress stream ({@code GET /v1/matters/{id}/events})
 * @param auth bearer tokens, scopes and per-token rate limits
 * @param requests the upstream {@code ingest-requests} queue
 * @param deadLetterSweep the sweep of the {@code ingest-requests} and Blob-event queues' dead letters: a request or
 *     event the broker dead-lettered without ingest's give-up (the process killed on it at every delivery) is given
 *     up on then, so the document it named is recorded FAILED
 */
@ConfigurationProperties("matter-pipeline.ingest")
public record IngestProperties(
        @DefaultValue("512MB") DataSize maxDocumentSize,
        @DefaultValue("1000") int maxDocumentsPerMatter,
        @DefaultValue("200") int maxNameLength,
        @DefaultValue("default") String defaultTenant,
        @DefaultValue("16") int manifestUpdateAttempts,
        @DefaultValue("5ms") Duration manifestUpdateBackoff,
        @DefaultValue("16") int statusReadConcurrency,
        @DefaultValue("64KB") DataSize maxJsonBody,
        @DefaultValue Listing listing,
        @DefaultValue Events events,
        @DefaultValue Auth auth,
        @DefaultValue Requests requests,
        @DefaultValue DeadLetterSweepSettings deadLetterSweep) {

    @ConstructorBinding
    public IngestProperties {
        if (maxDocumentSize == null || maxDocumentSize.toBytes() <= 0) {
            throw new IllegalArgumentException("matter-pipeline.ingest.max-document-size must be positive");
        }
        if (maxDocumentsPerMatter <= 0 || maxNameLength <= 0 || manifestUpdateAttempts <= 0
                || statusReadConcurrency <= 0) {
            throw new IllegalArgumentException("matter-pipeline.ingest limits must be positive");
        }
        if (defaultTenant == null || defaultTenant.isBlank()) {
            throw new IllegalArgumentException("matter-pipeline.ingest.default-tenant must not be blank");
        }
        if (manifestUpdateBackoff == null || manifestUpdateBackoff.isNegative()) {
            throw new IllegalArgumentException("matter-pipeline.ingest.manifest-update-backoff must not be negative");
        }
        maxJsonBody = maxJsonBody == null ? DataSize.ofKilobytes(64) : maxJsonBody;
        listing = listing == null ? Listing.defaults() : listing;
        events = events == null ? Events.defaults() : events;
        auth = auth == null ? Auth.defaults() : auth;
        requests = requests == null ? Requests.defaults() : requests;
        deadLetterSweep = deadLetterSweep == null ? DeadLetterSweepSettings.defaults() : deadLetterSweep;
    }

    /** The core limits with every other group at its defaults (tests, tools). */
    public IngestProperties(DataSize maxDocumentSize, int maxDocumentsPerMatter, int maxNameLength,
            String defaultTenant, int manifestUpdateAttempts, Duration manifestUpdateBackoff,
            int statusReadConcurrency) {
        this(maxDocumentSize, maxDocumentsPerMatter, maxNameLength, defaultTenant, manifestUpdateAttempts,
                manifestUpdateBackoff, statusReadConcurrency, null, null, null, null, null, null);
    }

    /** The defaults, for code that drives the service without Spring binding (tests, tools). */
    public static IngestProperties defaults() {
        return new IngestProperties(DataSize.ofMegabytes(512), 1000, 200, "default", 16, Duration.ofMillis(5), 16);
    }

    /**
     * @param defaultPageSize entries per page when the request names no {@code limit}
     * @param maxPageSize the largest {@code limit} accepted
     */
    public record Listing(@DefaultValue("50") int defaultPageSize, @DefaultValue("500") int maxPageSize) {

        public Listing {
            if (defaultPageSize < 1 || maxPageSize < defaultPageSize) {
                throw new IllegalArgumentException("matter-pipeline.ingest.listing: need 1 <= default <= max");
            }
        }

        static Listing defaults() {
            return new Listing(50, 500);
        }
    }

    /**
     * @param pollInterval how often a stream re-reads the Matter's status
     * @param heartbeat longest silence on a stream whose status did not change: a comment line keeps proxies from
     *     closing it
     * @param maxDuration a stream ends after this long even if the Matter is not final (the client reconnects)
     * @param maxStreams streams open at once on this instance; one more is refused with 503
     */
    public record Events(
            @DefaultValue("1s") Duration pollInterval,
            @DefaultValue("15s") Duration heartbeat,
            @DefaultValue("30m") Duration maxDuration,
            @DefaultValue("256") int maxStreams) {

        public Events {
            if (pollInterval == null || pollInterval.isNegative() || pollInterval.isZero() || maxStreams < 1) {
                throw new IllegalArgumentException("matter-pipeline.ingest.events: poll interval and max streams "
                        + "must be positive");
            }
        }

        static Events defaults() {
            return new Events(Duration.ofSeconds(1), Duration.ofSeconds(15), Duration.ofMinutes(30), 256);
        }
    }

    /**
     * @param adminToken the bootstrap admin token; when unset, the environment variable
     *     {@code MATTER_PIPELINE_ADMIN_TOKEN} is used; with neither, only tokens in the blob store are accepted
     * @param adminScopes the scopes of the bootstrap admin token
     * @param minAdminTokenLength shortest bootstrap admin token accepted; a shorter one fails startup
     * @param defaultTokenLifetime lifetime of a token created without {@code expiresAt}
     * @param maxTokenLifetime the latest {@code expiresAt} accepted, counted from creation
     * @param requestsPerMinute default sustained rate of one token; a token may carry its own
     * @param burst requests a token may make at once before the rate applies
     * @param maxTrackedTokens tokens whose rate is tracked at once; the least recently used is forgotten first
     * @param entra Microsoft Entra ID bearer tokens, accepted beside the service's own {@code mpt.} tokens when an
     *     issuer and an audience are configured
     */
    public record Auth(
            String adminToken,
            @DefaultValue("tokens:admin") List<String> adminScopes,
            @DefaultValue("24") int minAdminTokenLength,
            @DefaultValue("90d") Duration defaultTokenLifetime,
            @DefaultValue("3650d") Duration maxTokenLifetime,
            @DefaultValue("600") int requestsPerMinute,
            @DefaultValue("60") int burst,
            @DefaultValue("10000") int maxTrackedTokens,
            @DefaultValue Entra entra) {

        public Auth {
            adminScopes = adminScopes == null ? List.of("tokens:admin") : List.copyOf(adminScopes);
            entra = entra == null ? Entra.defaults() : entra;
            if (requestsPerMinute < 1 || burst < 1 || maxTrackedTokens < 1) {
                throw new IllegalArgumentException("matter-pipeline.ingest.auth: rates must be positive");
            }
            if (defaultTokenLifetime == null || maxTokenLifetime == null
                    || defaultTokenLifetime.compareTo(maxTokenLifetime) > 0) {
                throw new IllegalArgumentException("matter-pipeline.ingest.auth: need default-token-lifetime <= "
                        + "max-token-lifetime");
            }
        }

        static Auth defaults() {
            return new Auth(null, null, 24, Duration.ofDays(90), Duration.ofDays(3650), 600, 60, 10_000, null);
        }
    }

    /**
     * Microsoft Entra ID (Azure AD) access tokens for this API, checked with the tenant's published signing keys:
     * signature, issuer, audience, expiry and not-before. App roles in the {@code roles} claim map to scopes:
     * {@code Matters.Read} to {@code matters:read}, {@code Matters.Write} to {@code matters:write},
     * {@code Tokens.Admin} to {@code tokens:admin}.
     *
     * @param issuer the expected {@code iss}, e.g. {@code https://login.microsoftonline.com/{tenant-id}/v2.0}; unset:
     *     Entra tokens are not accepted
     * @param audience the expected {@code aud}: the API's application (client) id for v2 tokens, or its Application
     *     ID URI ({@code api://...}) for v1 tokens
     * @param jwkSetUri where the signing keys are published; unset: derived from the issuer
     *     ({@code .../{tenant}/v2.0} gives {@code .../{tenant}/discovery/v2.0/keys})
     * @param tenantClaim the claim whose value is the caller's tenant (a valid tenant name: letters, digits, '-', '_')
     * @param rolesClaim the claim holding the app roles
     * @param clockSkew tolerance on {@code exp} and {@code nbf}
     * @param keysMaxAge signing keys are fetched again after this long, so a withdrawn key stops working
     * @param keysMinRefreshInterval a token with a key id not in the cached set fetches the keys again (a rotation),
     *     but at most once per this interval, so forged key ids cannot make the service flood the key endpoint
     * @param keysTimeout time allowed for fetching the signing keys; past it the request gets 503
     */
    public record Entra(
            String issuer,
            String audience,
            String jwkSetUri,
            @DefaultValue("tid") String tenantClaim,
            @DefaultValue("roles") String rolesClaim,
            @DefaultValue("60s") Duration clockSkew,
            @DefaultValue("1h") Duration keysMaxAge,
            @DefaultValue("30s") Duration keysMinRefreshInterval,
            @DefaultValue("10s") Duration keysTimeout) {

        public Entra {
            issuer = issuer == null || issuer.isBlank() ? null : issuer.strip();
            audience = audience == null || audience.isBlank() ? null : audience.strip();
            jwkSetUri = jwkSetUri == null || jwkSetUri.isBlank() ? null : jwkSetUri.strip();
            tenantClaim = tenantClaim == null || tenantClaim.isBlank() ? "tid" : tenantClaim;
            rolesClaim = rolesClaim == null || rolesClaim.isBlank() ? "roles" : rolesClaim;
            clockSkew = clockSkew == null ? Duration.ofSeconds(60) : clockSkew;
            keysMaxAge = keysMaxAge == null ? Duration.ofHours(1) : keysMaxAge;
            keysMinRefreshInterval = keysMinRefreshInterval == null ? Duration.ofSeconds(30) : keysMinRefreshInterval;
            keysTimeout = keysTimeout == null ? Duration.ofSeconds(10) : keysTimeout;
            if ((issuer == null) != (audience == null)) {
                throw new IllegalArgumentException("matter-pipeline.ingest.auth.entra: set both issuer and audience, "
                        + "or neither");
            }
            if (clockSkew.isNegative() || keysMinRefreshInterval.isNegative() || keysMaxAge.isNegative()
                    || keysMaxAge.isZero() || keysTimeout.isNegative() || keysTimeout.isZero()) {
                throw new IllegalArgumentException("matter-pipeline.ingest.auth.entra: durations must not be negative, "
                        + "keys-max-age and keys-timeout not zero");
            }
            if (issuer != null && jwkSetUri == null) {
                jwkSetUri = derivedJwkSetUri(issuer);
            }
        }

        static Entra defaults() {
            return new Entra(null, null, null, null, null, null, null, null, null);
        }

        /** True when Entra tokens are accepted. */
        public boolean enabled() {
            return issuer != null;
        }

        /**
         * Entra's key endpoint for an issuer: {@code https://login.microsoftonline.com/{t}/v2.0} (v2 tokens) and
         * {@code https://sts.windows.net/{t}/} (v1 tokens) both publish at {@code .../{t}/discovery/v2.0/keys}.
         */
        static String derivedJwkSetUri(String issuer) {
            java.util.regex.Matcher v2 = java.util.regex.Pattern.compile("^(https://[^/]+/[^/]+)/v2\\.0/?$")
                    .matcher(issuer);
            if (v2.matches()) {
                return v2.group(1) + "/discovery/v2.0/keys";
            }
            java.util.regex.Matcher v1 = java.util.regex.Pattern.compile("^https://sts\\.windows\\.net/([^/]+)/?$")
                    .matcher(issuer);
            if (v1.matches()) {
                return "https://login.microsoftonline.com/" + v1.group(1) + "/discovery/v2.0/keys";
            }
            throw new IllegalArgumentException("matter-pipeline.ingest.auth.entra.jwk-set-uri cannot be derived from "
                    + "issuer '" + issuer + "'; set it");
        }
    }

    /**
     * @param enabled whether this instance consumes the {@code ingest-requests} queue
     * @param queue the queue name
     * @param concurrency requests handled at once
     * @param consumer how the queue is consumed ({@link ConsumerProperties}, shared by every consumer)
     * @param maxRequestSize largest request message; a larger one is dead-lettered unread
     * @param sourcePrefixes blob path prefixes a request may copy a document from; anything else is refused
     * @param sourceUrlBase the URL of the blob store's container ({@code https://acct.blob.core.windows.net/c/}):
     *     a {@code source} URL under it is read as the blob path after it; unset, only blob paths are accepted
     */
    public record Requests(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("ingest-requests") String queue,
            @DefaultValue("4") int concurrency,
            @DefaultValue @NestedConfigurationProperty ConsumerProperties consumer,
            @DefaultValue("64KB") DataSize maxRequestSize,
            @DefaultValue("inbox/") List<String> sourcePrefixes,
            String sourceUrlBase) {

        public Requests {
            sourcePrefixes = sourcePrefixes == null ? List.of("inbox/") : List.copyOf(sourcePrefixes);
            consumer = consumer == null ? ConsumerProperties.defaults() : consumer;
            if (concurrency < 1) {
                throw new IllegalArgumentException("matter-pipeline.ingest.requests.concurrency must be positive");
            }
            for (String prefix : sourcePrefixes) {
                if (prefix.isBlank() || !prefix.endsWith("/") || prefix.startsWith("matters/")
                        || prefix.startsWith("tokens/") || prefix.startsWith("tenants/")) {
                    throw new IllegalArgumentException("matter-pipeline.ingest.requests.source-prefixes: '" + prefix
                            + "' must end with '/' and must not expose the pipeline's own blobs");
                }
            }
        }

        static Requests defaults() {
            return new Requests(true, "ingest-requests", 4, null, DataSize.ofKilobytes(64), null, null);
        }

        /** The settings of the queue's consumer. */
        public ConsumerSettings consumerSettings() {
            return consumer.toSettings(concurrency);
        }
    }
}
