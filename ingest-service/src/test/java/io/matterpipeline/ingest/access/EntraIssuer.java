package io.matterpipeline.ingest.access;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for Microsoft Entra ID in tests: RSA keys made here, their public halves served as a JWK set on
 * loopback ({@link #jwkSetUri()}), and access tokens signed with them in Entra's v2 shape ({@code iss}, {@code aud},
 * {@code tid}, {@code oid}, {@code roles}, {@code exp}, {@code nbf}, {@code iat}).
 */
public final class EntraIssuer implements AutoCloseable {

    public static final String ISSUER = "https://login.microsoftonline.com/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/v2.0";
    public static final String AUDIENCE = "api://matter-pipeline-tests";

    private final HttpServer server;
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile RSAKey key;

    private EntraIssuer(HttpServer server, RSAKey key) {
        this.server = server;
        this.key = key;
    }

    /** A new issuer with one key, its JWK set served on 127.0.0.1. */
    public static EntraIssuer start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            EntraIssuer issuer = new EntraIssuer(server, newKey());
            server.createContext("/keys", exchange -> {
                issuer.fetches.incrementAndGet();
                byte[] body = new JWKSet(issuer.key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            return issuer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new 2048-bit RSA key with a random key id. */
    public static RSAKey newKey() {
        try {
            return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public String jwkSetUri() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/keys";
    }

    /** How often the key set was fetched. */
    public int fetches() {
        return fetches.get();
    }

    /** The key that signs from now on; the JWK set publishes only it (the old key is withdrawn). */
    public RSAKey rotate() {
        key = newKey();
        return key;
    }

    /** The current signing key. */
    public RSAKey key() {
        return key;
    }

    /** A valid token for the tenant with the roles, valid for an hour. */
    public String token(String tenant, String... roles) {
        return token().tenant(tenant).roles(roles).sign();
    }

    /** A token to shape: by default valid for an hour, for {@link #AUDIENCE} from {@link #ISSUER}, no roles. */
    public Token token() {
        return new Token();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop(0);
        }
    }

    /** A token being shaped. */
    public final class Token {

        private final JWTClaimsSet.Builder claims;
        private RSAKey signer = key;
        private String kid;

        private Token() {
            Instant now = Instant.now();
            claims = new JWTClaimsSet.Builder()
                    .issuer(ISSUER)
                    .audience(AUDIENCE)
                    .subject("sub-" + UUID.randomUUID())
                    .claim("oid", UUID.randomUUID().toString())
                    .claim("tid", "acme")
                    .claim("ver", "2.0")
                    .issueTime(Date.from(now.minusSeconds(60)))
                    .notBeforeTime(Date.from(now.minusSeconds(60)))
                    .expirationTime(Date.from(now.plus(Duration.ofHours(1))));
        }

        public Token tenant(String tenant) {
            claims.claim("tid", tenant);
            return this;
        }

        public Token roles(String... roles) {
            claims.claim("roles", List.copyOf(Arrays.asList(roles)));
            return this;
        }

        public Token audience(String audience) {
            claims.audience(audience);
            return this;
        }

        public Token issuer(String issuer) {
            claims.issuer(issuer);
            return this;
        }

        /** The expiry; an earlier one moves the issue and not-before times an hour before it, as Entra has them. */
        public Token expiresAt(Instant at) {
            claims.expirationTime(at == null ? null : Date.from(at));
            if (at != null && at.isBefore(Instant.now())) {
                claims.issueTime(Date.from(at.minus(Duration.ofHours(1))))
                        .notBeforeTime(Date.from(at.minus(Duration.ofHours(1))));
            }
            return this;
        }

        public Token notBefore(Instant at) {
            claims.notBeforeTime(Date.from(at));
            return this;
        }

        public Token claim(String name, Object value) {
            claims.claim(name, value);
            return this;
        }

        /** Signed with another key (its own key id unless {@link #kid} names one). */
        public Token signedWith(RSAKey other) {
            signer = other;
            return this;
        }

        /** The key id put in the header, whatever key signs. */
        public Token kid(String keyId) {
            kid = keyId;
            return this;
        }

        public String sign() {
            try {
                SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
                        .keyID(kid != null ? kid : signer.getKeyID()).build(), claims.build());
                jwt.sign(new RSASSASigner(signer));
                return jwt.serialize();
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
