package io.matterpipeline.blob.azure;

import io.matterpipeline.error.BadInputException;

/**
 * Which paths and prefixes the Azure store accepts: the same rules as the filesystem store, so that a path valid in
 * one store is valid in the other. Some matter for Azure itself: a {@code .} or {@code ..} segment would be resolved
 * away by URL normalization and address another blob, and Azure allows at most 1024 characters in a blob name.
 */
final class AzureBlobNames {

    static final String INVALID_PATH = "invalid-path";
    private static final int MAX_LENGTH = 1024;

    private AzureBlobNames() {
    }

    /** A full blob path: relative, non-empty segments, none of them {@code .}, {@code ..} or starting with a dot. */
    static String requirePath(String path) {
        requireCharacters(path, false);
        for (String segment : path.split("/", -1)) {
            requireSegment(path, segment);
        }
        return path;
    }

    /** A listing prefix: like a path, but may be empty, end with {@code /} or end in a partial segment. */
    static String requirePrefix(String prefix) {
        if (prefix == null) {
            throw invalid(null, "must not be null");
        }
        if (prefix.isEmpty()) {
            return prefix;
        }
        requireCharacters(prefix, true);
        String[] segments = prefix.split("/", -1);
        for (int i = 0; i < segments.length - 1; i++) {
            requireSegment(prefix, segments[i]);
        }
        String last = segments[segments.length - 1];
        if (last.equals(".") || last.equals("..")) {
            throw invalid(prefix, "must not contain '.' or '..' segments");
        }
        return prefix;
    }

    private static void requireCharacters(String path, boolean prefix) {
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
            throw invalid(path, "must not contain segments starting with '.'");
        }
    }

    private static BadInputException invalid(String path, String problem) {
        String shown = path == null ? "null" : path.replaceAll("\\p{Cntrl}", "?");
        return new BadInputException(INVALID_PATH, "Blob path '" + shown + "' " + problem);
    }
}
