package io.matterpipeline.ingest.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.ingest.IngestProperties;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The key cache: when it fetches the JWK set again, and when it does not. */
class SigningKeysTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final EntraIssuer issuer = EntraIssuer.start();
    private final AtomicLong now = new AtomicLong();

    @AfterEach
    void stop() {
        issuer.close();
    }

    @Test
    void aKnownKeyIsServedFromTheCacheAndUnknownKeyIdsFetchAtMostOncePerInterval() {
        SigningKeys keys = keys(issuer.jwkSetUri(), Duration.ofSeconds(30));
        assertThat(keys(keys, issuer.token("acme"))).extracting(JWK::getKeyID).containsExactly(issuer.key()
                .getKeyID());
        assertThat(keys(keys, issuer.token("acme"))).hasSize(1);
        assertThat(issuer.fetches()).isEqualTo(1);

        // A flood of invented key ids within the interval: no fetch at all. One stranger key signs them all under 20
        // different ids (an RSA key generation costs seconds on a loaded 2-core machine; the ids are what is tested).
        RSAKey stranger = EntraIssuer.newKey();
        for (int i = 0; i < 20; i++) {
            assertThat(keys(keys, issuer.token().signedWith(stranger).kid(UUID.randomUUID().toString()).sign()))
                    .isEmpty();
        }
        assertThat(issuer.fetches()).isEqualTo(1);

        // After the interval, a new key id fetches once and finds the rotated key.
        issuer.rotate();
        now.addAndGet(Duration.ofSeconds(31).toNanos());
        assertThat(keys(keys, issuer.token("acme"))).extracting(JWK::getKeyID).containsExactly(issuer.key()
                .getKeyID());
        assertThat(issuer.fetches()).isEqualTo(2);
    }

    @Test
    void anOldSetIsFetchedAgainSoAWithdrawnKeyStopsWorking() {
        SigningKeys keys = keys(issuer.jwkSetUri(), Duration.ofSeconds(30));
        String old = issuer.token("acme");
        assertThat(keys(keys, old)).hasSize(1);
        issuer.rotate();
        now.addAndGet(Duration.ofHours(1).toNanos());
        assertThat(keys(keys, old)).isEmpty();
        assertThat(issuer.fetches()).isEqualTo(2);
    }

    @Test
    void concurrentMissesShareOneFetch() {
        SigningKeys keys = keys(issuer.jwkSetUri(), Duration.ZERO);
        String token = issuer.token("acme");
        List<List<JWK>> found = Flux.range(0, 16).flatMap(i -> keys.apply(parse(token)).collectList(), 16)
                .collectList().block(TIMEOUT);
        assertThat(found).hasSize(16).allSatisfy(list -> assertThat(list).hasSize(1));
        assertThat(issuer.fetches()).isLessThanOrEqualTo(2);
    }

    @Test
    void unreachableKeysAreATransientFailureNotARefusal() {
        String uri = issuer.jwkSetUri();
        issuer.close();
        IngestProperties.Entra settings = new IngestProperties.Entra(EntraIssuer.ISSUER, EntraIssuer.AUDIENCE, uri,
                null, null, null, null, null, Duration.ofSeconds(5));
        EntraTokens tokens = EntraTokens.create(settings, EntraIssuer.AUDIENCE, EntraTokens.keys(settings), 60,
                Clock.systemUTC());
        StepVerifier.create(tokens.verify(issuer.token("acme", "Matters.Read")))
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(TransientException.class)
                        .extracting(failure -> ((TransientException) failure).reason())
                        .isEqualTo("signing-keys-unavailable"))
                .verify(TIMEOUT);
    }

    @Test
    void theKeyUriIsDerivedFromAnEntraIssuer() {
        assertThat(new IngestProperties.Entra("https://login.microsoftonline.com/t-1/v2.0", "a", null, null, null,
                null, null, null, null).jwkSetUri())
                .isEqualTo("https://login.microsoftonline.com/t-1/discovery/v2.0/keys");
        assertThat(new IngestProperties.Entra("https://sts.windows.net/t-1/", "a", null, null, null, null, null,
                null, null).jwkSetUri())
                .isEqualTo("https://login.microsoftonline.com/t-1/discovery/v2.0/keys");
    }

    private SigningKeys keys(String uri, Duration minRefresh) {
        return new SigningKeys(WebClient.create(), URI.create(uri), Duration.ofHours(1), minRefresh, TIMEOUT,
                now::get);
    }

    private static List<JWK> keys(SigningKeys keys, String token) {
        return keys.apply(parse(token)).collectList().block(TIMEOUT);
    }

    private static SignedJWT parse(String token) {
        try {
            return SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }
}
