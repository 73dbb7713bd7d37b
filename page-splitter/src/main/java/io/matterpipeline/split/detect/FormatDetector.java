package io.matterpipeline.split.detect;

import io.matterpipeline.error.BadInputException;
import io.matterpipeline.split.page.SplitFailures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Detects a document's format from its content, never from its file name or declared content type: uploaders name
 * files freely and Blob triggers carry no reliable type.
 */
public final class FormatDetector {

    /** Bytes read to decide. */
    static final int PREFIX_BYTES = 8192;
    /** Where a PDF header may start at the latest; readers accept some leading junk (mail headers, BOMs). */
    static final int PDF_HEADER_WINDOW = 1024;

    private static final byte[] PDF_MAGIC = "%PDF-".getBytes(StandardCharsets.US_ASCII);

    private FormatDetector() {
    }

    /**
     * Reads the first bytes of {@code file} (blocking) and tells its format.
     *
     * @throws BadInputException {@code empty-document} for a 0-byte file, {@code unsupported-document} for binary
     *     content (images, Office files, archives, UTF-16, invalid UTF-8)
     */
    public static DocumentFormat detect(Path file) throws IOException {
        byte[] prefix;
        try (InputStream in = Files.newInputStream(file)) {
            prefix = in.readNBytes(PREFIX_BYTES);
        }
        return detect(prefix, prefix.length < PREFIX_BYTES);
    }

    /** Decides on a prefix; {@code whole} tells whether the prefix is the entire document. */
    static DocumentFormat detect(byte[] prefix, boolean whole) {
        if (prefix.length == 0) {
            throw new BadInputException(SplitFailures.EMPTY_DOCUMENT, "The document has 0 bytes");
        }
        if (indexOf(prefix, PDF_MAGIC, Math.min(prefix.length, PDF_HEADER_WINDOW)) >= 0) {
            return DocumentFormat.PDF;
        }
        String binary = knownBinary(prefix);
        if (binary != null) {
            throw new BadInputException(SplitFailures.UNSUPPORTED_DOCUMENT, "The document is " + binary
                    + "; supported are PDF, Azure Document Intelligence analyzeResult JSON and UTF-8 text");
        }
        for (byte b : prefix) {
            if (b == 0) {
                throw unsupportedBinary();
            }
        }
        int start = startsWith(prefix, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}) ? 3 : 0;
        if (!isUtf8(prefix, start, whole)) {
            throw unsupportedBinary();
        }
        for (int i = start; i < prefix.length; i++) {
            byte b = prefix[i];
            if (b == '{' || b == '[') {
                return DocumentFormat.JSON;
            }
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                break;
            }
        }
        return DocumentFormat.TEXT;
    }

    private static BadInputException unsupportedBinary() {
        return new BadInputException(SplitFailures.UNSUPPORTED_DOCUMENT, "The document is binary, not UTF-8 text,"
                + " and neither PDF nor analyzeResult JSON");
    }

    /** A human name for well-known binary formats people upload by mistake, or null. */
    private static String knownBinary(byte[] prefix) {
        if (startsWith(prefix, new byte[] {'P', 'K', 3, 4})) {
            return "a ZIP archive (or a DOCX/XLSX/PPTX Office file)";
        }
        if (startsWith(prefix, new byte[] {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0})) {
            return "a legacy Office file (DOC/XLS/PPT)";
        }
        if (startsWith(prefix, new byte[] {(byte) 0x89, 'P', 'N', 'G'})
                || startsWith(prefix, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF})
                || startsWith(prefix, new byte[] {'G', 'I', 'F', '8'})
                || startsWith(prefix, new byte[] {'I', 'I', '*', 0})
                || startsWith(prefix, new byte[] {'M', 'M', 0, '*'})) {
            return "an image; run it through OCR (Azure Document Intelligence) and submit the analyzeResult JSON";
        }
        if (startsWith(prefix, new byte[] {(byte) 0xFE, (byte) 0xFF})
                || startsWith(prefix, new byte[] {(byte) 0xFF, (byte) 0xFE})) {
            return "UTF-16 text; convert it to UTF-8";
        }
        return null;
    }

    /** True when the bytes decode as UTF-8; a sequence cut off at the end of a partial prefix is tolerated. */
    private static boolean isUtf8(byte[] bytes, int start, boolean whole) {
        int end = bytes.length;
        if (!whole) {
            // Step back over a multi-byte sequence the prefix may have cut in two.
            int i = end - 1;
            int back = 0;
            while (i >= start && back < 3 && (bytes[i] & 0xC0) == 0x80) {
                i--;
                back++;
            }
            if (i >= start && (bytes[i] & 0xC0) == 0xC0) {
                end = i;
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, end - start));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean startsWith(byte[] bytes, byte[] magic) {
        if (bytes.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (bytes[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, byte[] needle, int limit) {
        outer:
        for (int i = 0; i + needle.length <= bytes.length && i < limit; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
