package io.matterpipeline.split.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matterpipeline.error.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FormatDetectorTests {

    @TempDir
    Path dir;

    @Test
    void aPdfIsKnownByItsHeaderNotItsName() throws IOException {
        assertThat(detect("notes.txt", "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj".getBytes(StandardCharsets.ISO_8859_1)))
                .isEqualTo(DocumentFormat.PDF);
        assertThat(detect("scan.bin", "\r\n\r\n%PDF-1.4\n".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(DocumentFormat.PDF);
    }

    @Test
    void jsonIsKnownByItsFirstCharacter() throws IOException {
        assertThat(detect("result.pdf", utf8("  \n{\"analyzeResult\":{}}"))).isEqualTo(DocumentFormat.JSON);
        assertThat(detect("x", utf8("\uFEFF[1,2]"))).isEqualTo(DocumentFormat.JSON);
    }

    @Test
    void utf8TextIsText() throws IOException {
        assertThat(detect("filing.json", utf8("IN THE SUPERIOR COURT \u00a7 12 \u2014 Caf\u00e9"))).isEqualTo(DocumentFormat.TEXT);
    }

    @Test
    void aMultiByteCharacterCutByThePrefixIsStillText() {
        byte[] prefix = new byte[FormatDetector.PREFIX_BYTES];
        Arrays.fill(prefix, (byte) 'a');
        byte[] euro = "\u20ac".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(euro, 0, prefix, prefix.length - 2, 2);

        assertThat(FormatDetector.detect(prefix, false)).isEqualTo(DocumentFormat.TEXT);
    }

    @Test
    void zeroBytesAreEmpty() {
        assertThatThrownBy(() -> detect("empty.pdf", new byte[0])).isInstanceOfSatisfying(BadInputException.class,
                e -> assertThat(e.reason()).isEqualTo("empty-document"));
    }

    @Test
    void binaryIsUnsupported() {
        byte[] garbage = new byte[4096];
        new Random(42).nextBytes(garbage);
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0};
        byte[] docx = {'P', 'K', 3, 4, 20, 0, 6, 0};
        byte[] utf16 = {(byte) 0xFF, (byte) 0xFE, 'H', 0, 'i', 0};

        for (byte[] content : new byte[][] {garbage, png, docx, utf16}) {
            assertThatThrownBy(() -> detect("file.txt", content)).isInstanceOfSatisfying(BadInputException.class,
                    e -> assertThat(e.reason()).isEqualTo("unsupported-document"));
        }
        assertThatThrownBy(() -> detect("scan.txt", png)).hasMessageContaining("image");
    }

    private DocumentFormat detect(String name, byte[] content) throws IOException {
        return FormatDetector.detect(Files.write(dir.resolve(name), content));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
