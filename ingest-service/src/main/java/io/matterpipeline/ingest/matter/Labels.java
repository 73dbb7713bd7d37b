package io.matterpipeline.ingest.matter;

import io.matterpipeline.error.BadInputException;

/** Cleans the labels callers give: file names, content types and Matter names are shown, never used as paths. */
final class Labels {

    private static final String DEFAULT_FILE_NAME = "document";
    private static final int MAX_FILE_NAME_LENGTH = 255;
    private static final int MAX_CONTENT_TYPE_LENGTH = 255;

    private Labels() {
    }

    /** The last path segment, without control characters, bounded: a label, never used as a path. */
    static String fileName(String fileName) {
        if (fileName == null) {
            return DEFAULT_FILE_NAME;
        }
        String lastSegment = fileName.substring(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
        String name = withoutControls(lastSegment).strip();
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            return DEFAULT_FILE_NAME;
        }
        return truncate(name, MAX_FILE_NAME_LENGTH);
    }

    /** The uploader's content type without control characters, bounded; null when there is none. */
    static String contentType(String contentType) {
        if (contentType == null) {
            return null;
        }
        String cleaned = withoutControls(contentType).strip();
        return cleaned.isEmpty() ? null : truncate(cleaned, MAX_CONTENT_TYPE_LENGTH);
    }

    /**
     * A Matter's name, stripped; null for none. Fails with {@code invalid-name} when it is longer than
     * {@code maxLength} code points or holds control characters.
     */
    static String matterName(String name, int maxLength) {
        if (name == null || name.isBlank()) {
            return null;
        }
        String label = name.strip();
        if (label.codePointCount(0, label.length()) > maxLength
                || label.codePoints().anyMatch(Character::isISOControl)) {
            throw new BadInputException("invalid-name", "A Matter name must be at most " + maxLength
                    + " characters without control characters");
        }
        return label;
    }

    private static String withoutControls(String text) {
        return text.codePoints()
                .filter(codePoint -> !Character.isISOControl(codePoint))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
    }

    private static String truncate(String text, int maxCodePoints) {
        return text.codePointCount(0, text.length()) <= maxCodePoints ? text
                : text.substring(0, text.offsetByCodePoints(0, maxCodePoints));
    }
}
