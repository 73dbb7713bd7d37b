package io.matterpipeline.ingest.access;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The signing keys an identity provider publishes as a JWK set, for {@code NimbusReactiveJwtDecoder}: the keys a
 * token's {@code kid} names. The set is cached; it is fetched again when it is older than {@code maxAge} (so a
 * withdrawn key stops working) or when a token names a key id the cached set lacks (a rotation), but then at most once
 * per {@code minRefreshInterval}: a stream of tokens with invented key ids costs one fetch per interval, not one per
 * request. Concurrent fetches are one. When a fetch fails and a set is cached, the cached set goes on serving.
 */
final class SigningKeys implements Function<SignedJWT, Flux<JWK>> {

    private static final Logger log = LoggerFactory.getLogger(SigningKeys.class);

    private final WebClient client;
    private final URI uri;
    private final long maxAgeNanos;
    private final long minRefreshNanos;
    private final Duration timeout;
    private final LongSupplier nanoTime;
    private final AtomicReference<Cached> cached = new AtomicReference<>();
    private final AtomicReference<Mono<JWKSet>> inFlight = new AtomicReference<>();

    SigningKeys(WebClient client, URI uri, Duration maxAge, Duration minRefreshInterval, Duration timeout,
            LongSupplier nanoTime) {
        this.client = client;
        this.uri = uri;
        this.maxAgeNanos = maxAge.toNanos();
        this.minRefreshNanos = minRefreshInterval.toNanos();
        this.timeout = timeout;
        this.nanoTime = nanoTime;
    }

    @Override
    public Flux<JWK> apply(SignedJWT jwt) {
        String kid = jwt.getHeader().getKeyID();
        Cached current = cached.get();
        long now = nanoTime.getAsLong();
        if (current != null && now - current.fetchedAt < maxAgeNanos) {
            List<JWK> matches = select(current.keys, kid);
            if (!matches.isEmpty() || now - current.fetchedAt < minRefreshNanos) {
                return Flux.fromIterable(matches);
            }
        }
        return fetch().flatMapIterable(keys -> select(keys, kid));
    }

    /** The keys a token may have been signed with: the one its kid names, or all of them when it names none. */
    private static List<JWK> select(JWKSet keys, String kid) {
        if (kid == null) {
            return keys.getKeys();
        }
        JWK key = keys.getKeyByKeyId(kid);
        return key == null ? List.of() : List.of(key);
    }

    private Mono<JWKSet> fetch() {
        Mono<JWKSet> running = inFlight.get();
        if (running != null) {
            return running;
        }
        Mono<JWKSet> fetch = client.get().uri(uri).retrieve().bodyToMono(String.class)
                .timeout(timeout)
                .map(SigningKeys::parse)
                .doOnNext(keys -> {
                    cached.set(new Cached(keys, nanoTime.getAsLong()));
                    log.info("Signing keys from {}: {}", uri, keys.getKeys().stream().map(JWK::getKeyID).toList());
                })
                .onErrorResume(failure -> {
                    Cached stale = cached.get();
                    if (stale == null) {
                        return Mono.error(new IllegalStateException("The signing keys at " + uri
                                + " could not be fetched: " + failure, failure));
                    }
                    log.warn("Signing keys at {} could not be fetched ({}); the cached set serves", uri,
                            failure.toString());
                    // Wait the interval before the next attempt, as after a successful fetch.
                    cached.set(new Cached(stale.keys, nanoTime.getAsLong()));
                    return Mono.just(stale.keys);
                })
                .doFinally(signal -> inFlight.set(null))
                .cache();
        return inFlight.compareAndSet(null, fetch) ? fetch : fetch();
    }

    private static JWKSet parse(String body) {
        try {
            return JWKSet.parse(body);
        } catch (ParseException e) {
            throw new IllegalStateException("The signing keys are not a JWK set: " + e.getMessage(), e);
        }
    }

    private record Cached(JWKSet keys, long fetchedAt) {
    }
}
