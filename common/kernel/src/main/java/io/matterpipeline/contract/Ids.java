package io.matterpipeline.contract;

import io.matterpipeline.error.BadInputException;
import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * Matter and document identifiers. An id is 1 to 64 characters of {@code [A-Za-z0-9_-]} starting with a letter or
 * digit, so it is safe as a blob path segment, a Service Bus MessageId part and a Kafka key; anything else (such as
 * {@code ../x}, control characters or a 10 KB string) is rejected at the edge.
 */
public final class Ids {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    /** True when {@code id} is a well-formed identifier. */
    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /**
     * Returns {@code id} when it is well formed.
     *
     * @throws BadInputException with reason {@code invalid-id} otherwise
     */
    public static String require(String what, String id) {
        if (!isValid(id)) {
            throw new BadInputException("invalid-id", what + " must be 1 to 64 characters of letters, digits, '-' or '_'"
                    + " starting with a letter or digit");
        }
        return id;
    }

    /** A new random Matter id, {@code m-} followed by 20 base-32 characters (100 bits). */
    public static String newMatterId() {
        return "m-" + random(20);
    }

    /** A new random document id, {@code d-} followed by 20 base-32 characters (100 bits). */
    public static String newDocumentId() {
        return "d-" + random(20);
    }

    private static String random(int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return new String(chars);
    }
}
