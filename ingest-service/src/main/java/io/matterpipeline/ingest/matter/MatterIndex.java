package io.matterpipeline.ingest.matter;

import io.matterpipeline.error.BadInputException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * A tenant's Matter listing: one empty index blob per Matter, named so that the store's lexicographic listing order
 * is newest first ({@code Long.MAX_VALUE} minus the creation millis, zero-padded, then the Matter id). A listing
 * cursor is the last entry name of a page, base64url-encoded, so clients treat it as opaque.
 */
final class MatterIndex {

    private static final Pattern KEY = Pattern.compile("\\d{19}-[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private MatterIndex() {
    }

    static String key(MatterManifest manifest) {
        return String.format("%019d", Long.MAX_VALUE - manifest.createdAt().toEpochMilli()) + "-"
                + manifest.matterId();
    }

    static String matterId(String key) {
        return key.substring(20);
    }

    static String cursor(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.US_ASCII));
    }

    /** The entry name a cursor stands for; fails with {@code invalid-cursor} for anything this class did not make. */
    static String fromCursor(String cursor) {
        try {
            if (cursor.length() <= 128) {
                String key = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
                if (KEY.matcher(key).matches()) {
                    return key;
                }
            }
        } catch (IllegalArgumentException notBase64) {
            // reported below
        }
        throw new BadInputException("invalid-cursor", "The cursor is not one this API returned");
    }
}
