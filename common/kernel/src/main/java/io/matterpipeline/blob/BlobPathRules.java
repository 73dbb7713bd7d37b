package io.matterpipeline.blob;

import io.matterpipeline.error.BadInputException;

/**
 * Which blob paths and prefixes every store accepts: the one check between a caller's string and a filesystem or a
 * container, so both adapters refuse exactly the same paths ({@code BadInputException} with reason
 * {@code invalid-path}).
 */
public final class BlobPathRules {

    /** The reason of a refused path. */
    public static final String INVALID_PATH = "invalid-path";
    private static final int MAX_LENGTH = 1024;

    private BlobPathRules() {
    }

    /** A full blob path: non-empty segments, none of them {@code .}, {@code ..} or starting with a dot. */
    public static String requirePath(String path) {
        requireSafeCharacters(path, false);
        String[] segments = path.split("/", -1);
        for (String segment : segments) {
            requireSegment(path, segment);
        }
        return path;
    }

    /** A listing prefix: like a path, but may be empty, end with {@code /} or end in a partial segment. */
    public static String requirePrefix(String prefix) {
        if (prefix == null) {
            throw invalid(null, "must not be null");
        }
        if (prefix.isEmpty()) {
            return prefix;
        }
        requireSafeCharacters(prefix, true);
        String[] segments = prefix.split("/", -1);
        for (int i = 0; i < segments.length - 1; i++) {
            requireSegment(prefix, segments[i]);
        }
        String last = segments[segments.length - 1];
        if (last.equals("..") || last.equals(".")) {
            throw invalid(prefix, "must not contain '.' or '..' segments");
        }
        return prefix;
    }

    private static void requireSafeCharacters(String path, boolean prefix) {
        if (path == null || path.isEmpty()) {
            throw invalid(path, "must not be empty");
        }
        if (path.length() > MAX_LENGTH) {
            throw invalid(path.substring(0, 64) + "...", "must be at most " + MAX_LENGTH + " characters");
        }
        if (path.startsWith("/")) {
            throw invalid(path, "must be relative");
        }
        if (!prefix && path.endsWith("/")) {
            throw invalid(path, "must not end with '/'");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '\\') {
                throw invalid(path, "must use '/' as separator, not '\\'");
            }
            if (c < 0x20 || c == 0x7f) {
                throw invalid(path, "must not contain control characters");
            }
        }
        if (path.length() >= 2 && path.charAt(1) == ':') {
            throw invalid(path, "must be relative");
        }
    }

    private static void requireSegment(String path, String segment) {
        if (segment.isEmpty()) {
            throw invalid(path, "must not contain empty segments");
        }
        if (segment.equals(".") || segment.equals("..")) {
            throw invalid(path, "must not contain '.' or '..' segments");
        }
        if (segment.startsWith(".")) {
            // Dot names are the stores' own (the filesystem store's temporary files).
            throw invalid(path, "must not contain segments starting with '.'");
        }
    }

    private static BadInputException invalid(String path, String problem) {
        String shown = path == null ? "null" : path.replaceAll("\\p{Cntrl}", "?");
        return new BadInputException(INVALID_PATH, "Blob path '" + shown + "' " + problem);
    }
}
