package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.testkit.documentintelligence.DocumentIntelligenceSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Scanned PDFs through the whole pipeline. Without OCR configured, pages without a text layer end {@code NO_TEXT}
 * with reason {@code needs-ocr}, the model is never asked about them, and the Matter is PARTIAL (exit code 2). With
 * Document Intelligence (the testkit simulator) configured, only those pages are sent to it, they come back with text
 * and word confidences, are extracted as any page, and the Matter is COMPLETED.
 */
class ScannedPdfTests {

    private static OllamaSimulator simulator;
    private static DocumentIntelligenceSimulator documentIntelligence;

    @TempDir
    Path work;

    @BeforeAll
    static void startSimulator() {
        simulator = OllamaSimulator.start();
        documentIntelligence = DocumentIntelligenceSimulator.start();
    }

    @AfterAll
    static void stopSimulator() {
        simulator.close();
        documentIntelligence.close();
    }

    @Test
    void scannedPagesWithoutOcrEndNoTextWithoutAModelCallAndTheMatterPartial() throws IOException {
        Path folder = Files.createDirectories(work.resolve("matter"));
        pdf(folder.resolve("scan.pdf"), false, false);
        pdf(folder.resolve("mixed.pdf"), true, false);
        Path out = work.resolve("out");
        simulator.resetStats();

        int exit = MatterPipelineCommand.commandLine().execute("process", folder.toString(),
                "--out", out.toString(), "--no-progress", "--model-url", simulator.baseUrl());

        assertThat(exit).isEqualTo(ProcessCommand.EXIT_PARTIAL);
        JsonNode result = MessageCodec.mapper().readTree(out.resolve("result.json").toFile());
        assertThat(result.path("status").asString()).isEqualTo("PARTIAL");
        // One page of the four has text: one model call, none for a scanned page.
        assertThat(simulator.stats().totalCalls()).isEqualTo(1);

        JsonNode scan = document(result, "scan.pdf");
        assertThat(scan.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(scan.path("failure").path("reason").asString()).isEqualTo("needs-ocr");
        assertThat(statuses(scan)).containsExactly("NO_TEXT", "NO_TEXT");
        assertThat(scan.path("pages").get(0).path("failure").path("reason").asString()).isEqualTo("needs-ocr");

        JsonNode mixed = document(result, "mixed.pdf");
        assertThat(mixed.path("status").asString()).isEqualTo("PARTIAL");
        assertThat(statuses(mixed)).containsExactly("EXTRACTED", "NO_TEXT");
        List<String> failures = new ArrayList<>();
        result.path("failures").forEach(failure -> failures.add(failure.path("fileName").asString() + ":"
                + failure.path("pageNumber").asString() + ":" + failure.path("reason").asString()));
        assertThat(failures).contains("scan.pdf:1:needs-ocr", "scan.pdf:2:needs-ocr", "mixed.pdf:2:needs-ocr");
    }

    @Test
    void withDocumentIntelligenceScannedPagesAreReadWithWordConfidencesAndExtractedAsAnyPage() throws IOException {
        Path folder = Files.createDirectories(work.resolve("matter"));
        pdf(folder.resolve("scan.pdf"), false, false);
        pdf(folder.resolve("mixed.pdf"), true, false);
        Path out = work.resolve("out");
        simulator.resetStats();
        documentIntelligence.reset();

        int exit = MatterPipelineCommand.commandLine().execute("process", folder.toString(),
                "--out", out.toString(), "--no-progress", "--model-url", simulator.baseUrl(),
                "-Dmatter-pipeline.splitter.ocr.endpoint=" + documentIntelligence.endpoint(),
                "-Dmatter-pipeline.splitter.ocr.key=" + documentIntelligence.key(),
                "-Dmatter-pipeline.splitter.ocr.poll-interval=50ms");

        assertThat(exit).isEqualTo(ProcessCommand.EXIT_COMPLETED);
        JsonNode result = MessageCodec.mapper().readTree(out.resolve("result.json").toFile());
        assertThat(result.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(result.path("failures").size()).isZero();
        // Every page is read by the model now, the OCR'd ones included.
        assertThat(simulator.stats().totalCalls()).isEqualTo(4);
        // Only the pages without a text layer went to OCR: both of the scan, the second of the mixed PDF.
        assertThat(documentIntelligence.requests()).extracting(DocumentIntelligenceSimulator.AnalyzeRequest::pages)
                .containsExactlyInAnyOrder("1-2", "2");

        JsonNode scan = document(result, "scan.pdf");
        assertThat(scan.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(statuses(scan)).containsExactly("EXTRACTED", "EXTRACTED");
        // The simulator answers the fixture's pages: known word confidences per page.
        assertThat(scan.path("pages").get(0).path("averageWordConfidence").asDouble()).isCloseTo(0.9786,
                within(0.0001));
        assertThat(scan.path("pages").get(1).path("averageWordConfidence").asDouble()).isCloseTo(0.8911,
                within(0.0001));
        assertThat(scan.path("pages").get(0).path("textLength").asInt()).isEqualTo(124);
        assertThat(scan.path("averageWordConfidence").asDouble()).isCloseTo((0.9786 * 19 + 0.8911 * 11) / 30,
                within(0.0001));

        JsonNode mixed = document(result, "mixed.pdf");
        assertThat(mixed.path("status").asString()).isEqualTo("COMPLETED");
        assertThat(statuses(mixed)).containsExactly("EXTRACTED", "EXTRACTED");
        assertThat(mixed.path("pages").get(0).path("averageWordConfidence").isNull()).isTrue();
        assertThat(mixed.path("pages").get(1).path("averageWordConfidence").asDouble()).isCloseTo(0.8911,
                within(0.0001));
        // The OCR'd text reached the model: the deadline on the fixture's page 2 is among the findings.
        assertThat(result.path("items").toString()).contains("2024-05-02");
    }

    private static List<String> statuses(JsonNode document) {
        List<String> statuses = new ArrayList<>();
        document.path("pages").forEach(page -> statuses.add(page.path("status").asString()));
        return statuses;
    }

    private static JsonNode document(JsonNode result, String fileName) {
        for (JsonNode document : result.path("documents")) {
            if (document.path("fileName").asString().equals(fileName)) {
                return document;
            }
        }
        throw new AssertionError("no document " + fileName + " in " + result);
    }

    /** A PDF whose page k is text when {@code text[k-1]}, else an image of a page and no text layer. */
    private static void pdf(Path file, boolean... text) throws IOException {
        try (PDDocument document = new PDDocument()) {
            for (boolean hasText : text) {
                PDPage page = new PDPage();
                document.addPage(page);
                try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                    if (hasText) {
                        content.beginText();
                        content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
                        content.newLineAtOffset(72, 720);
                        content.showText("ACME HOLDINGS LLC v. JOHN Q. SAMPLE, answer due 2024-03-15.");
                        content.endText();
                    } else {
                        BufferedImage scan = new BufferedImage(425, 550, BufferedImage.TYPE_BYTE_GRAY);
                        Graphics2D pen = scan.createGraphics();
                        pen.setColor(Color.WHITE);
                        pen.fillRect(0, 0, 425, 550);
                        pen.setColor(Color.BLACK);
                        pen.drawString("ACME HOLDINGS LLC v. JOHN Q. SAMPLE", 40, 60);
                        pen.dispose();
                        content.drawImage(LosslessFactory.createFromImage(document, scan), 0, 0, 612, 792);
                    }
                }
            }
            document.save(file.toFile());
        }
    }
}
