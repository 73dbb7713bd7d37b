package io.matterpipeline.split.pdf;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;

/** PDFs generated at test time, so no binary fixture has to be trusted or kept in sync. */
public final class PdfFixtures {

    private PdfFixtures() {
    }

    /** The marker text on page {@code pageNumber}: unique per page, and no marker is a prefix of another. */
    public static String marker(int pageNumber) {
        return "PAGE-MARKER-" + pageNumber + "-END";
    }

    /** A PDF of {@code pages} pages; page k carries {@link #marker(int) marker(k)} and a few lines of legal text. */
    public static Path write(Path file, int pages) throws IOException {
        try (PDDocument document = build(pages)) {
            document.save(file.toFile());
        }
        return file;
    }

    /** A PDF protected with a user password: it cannot be opened without it. */
    public static Path writeWithUserPassword(Path file, int pages) throws IOException {
        try (PDDocument document = build(pages)) {
            StandardProtectionPolicy policy = new StandardProtectionPolicy("owner-secret", "user-secret",
                    new AccessPermission());
            policy.setEncryptionKeyLength(128);
            document.protect(policy);
            document.save(file.toFile());
        }
        return file;
    }

    /** A PDF that opens without a password but whose owner forbids extracting its content. */
    public static Path writeWithExtractionForbidden(Path file, int pages) throws IOException {
        try (PDDocument document = build(pages)) {
            AccessPermission permission = new AccessPermission();
            permission.setCanExtractContent(false);
            StandardProtectionPolicy policy = new StandardProtectionPolicy("owner-secret", "", permission);
            policy.setEncryptionKeyLength(128);
            document.protect(policy);
            document.save(file.toFile());
        }
        return file;
    }

    /**
     * A PDF whose page k has a text layer (as {@link #write}) when {@code textLayer[k-1]}, and otherwise is a scan: one
     * image of the page, no text layer at all.
     */
    public static Path writeScanned(Path file, boolean... textLayer) throws IOException {
        try (PDDocument document = build(textLayer.length)) {
            for (int k = 1; k <= textLayer.length; k++) {
                if (textLayer[k - 1]) {
                    continue;
                }
                PDPage scanned = new PDPage();
                java.awt.image.BufferedImage picture = new java.awt.image.BufferedImage(850, 1100,
                        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
                java.awt.Graphics2D pen = picture.createGraphics();
                pen.setColor(java.awt.Color.WHITE);
                pen.fillRect(0, 0, 850, 1100);
                pen.setColor(java.awt.Color.BLACK);
                for (int line = 0; line < 20; line++) {
                    // Strokes where lines of type would be.
                    pen.fillRect(100, 100 + line * 40, 500 + (line * 37) % 150, 12);
                }
                pen.dispose();
                try (PDPageContentStream content = new PDPageContentStream(document, scanned)) {
                    content.drawImage(org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory.createFromImage(
                            document, picture), 0, 0, 612, 792);
                }
                document.getPages().insertBefore(scanned, document.getPage(k - 1));
                document.removePage(k);
            }
            document.save(file.toFile());
        }
        return file;
    }

    private static PDDocument build(int pages) throws IOException {
        PDDocument document = new PDDocument();
        PDType1Font font = new PDType1Font(Standard14Fonts.FontName.HELVETICA);
        for (int k = 1; k <= pages; k++) {
            PDPage page = new PDPage();
            document.addPage(page);
            try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                content.beginText();
                content.setFont(font, 12);
                content.newLineAtOffset(72, 720);
                content.showText("IN THE SUPERIOR COURT - page " + k);
                content.newLineAtOffset(0, -16);
                content.showText(marker(k));
                content.newLineAtOffset(0, -16);
                content.showText("The parties agree to settle for $" + (1000 + k) + ".00 by 2024-03-" + (10 + k % 18) + ".");
                content.endText();
            }
        }
        return document;
    }
}
