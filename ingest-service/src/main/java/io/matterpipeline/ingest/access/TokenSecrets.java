package io.matterpipeline.ingest.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The shape of a token: {@code mpt.<id>.<secret>}, the secret being 32 random bytes in base64url (256 bits, so a
 * single unsalted SHA-256 is a sound stored form: there is nothing to guess from a dictionary). The id says which
 * record to read; the SHA-256 of the whole token is compared with the stored one in constant time.
 */
final class TokenSecrets {

    static final String PREFIX = "mpt.";
    private static final char[] ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private TokenSecrets() {
    }

    /** A new token id, {@code t-} followed by 20 base-32 characters. */
    static String newId() {
        char[] chars = new char[20];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = ID_ALPHABET[RANDOM.nextInt(ID_ALPHABET.length)];
        }
        return "t-" + new String(chars);
    }

    /** A new token for the given id. */
    static String newToken(String id) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return PREFIX + id + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** The id a token names, if it has the shape of one. */
    static Optional<String> idOf(String token) {
        if (token == null || !token.startsWith(PREFIX) || token.length() > 200) {
            return Optional.empty();
        }
        int dot = token.indexOf('.', PREFIX.length());
        if (dot < 0) {
            return Optional.empty();
        }
        return Optional.of(token.substring(PREFIX.length(), dot));
    }

    /** The SHA-256 of the token, hex. */
    static String hash(String token) {
        return HexFormat.of().formatHex(digest(token));
    }

    /** Constant-time comparison of the token's hash with a stored hex hash. */
    static boolean matches(String token, String storedHash) {
        if (storedHash == null) {
            return false;
        }
        byte[] stored;
        try {
            stored = HexFormat.of().parseHex(storedHash);
        } catch (IllegalArgumentException corrupt) {
            return false;
        }
        return MessageDigest.isEqual(digest(token), stored);
    }

    static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
