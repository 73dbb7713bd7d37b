package io.matterpipeline.testkit.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** A scan that skips the positions where no match can start finds what {@link Matcher#find()} finds, in order. */
class PatternScanTests {

    /** Pieces of legal text and the edges of every start test: word boundaries, look-behinds, line starts. */
    private static final String[] PIECES = {"Case No. 12-CV-4417", "case number: 2023-CV-04417", "1:20-cv-00123-abc",
        "Docket # A1/b.2", "docket no.", "January 5, 2020", "5th day of March, 2021", "31 Dec. 2019", "Sept 3 2022",
        "mar 4, 2020", "March", "2024-03-15", "-2024-03-15", "12024-03-15", "3/15/2024", "1/2/2020/3", "$1,000.00",
        "US$ 5 million", "€250,000", "£3.5 billion", "USD 1,250", "_USD 5", "5,000 dollars", "7 euros", ".5 EUR",
        "between ACME CORPORATION (the \"Buyer\") and BETA LLC (\"Seller\").", "Between A and B;", "xbetween a and b.",
        "ACME CORPORATION, Plaintiff,", "BETA HOLDINGS LLC, Defendant.", "  Jane Roe, petitioner", "shall", "Shall pay",
        "MUST", "mustard", "marshall", "_shall", "é", "éMarch 5, 2020", "e\u0301March 5, 2020", "\u00b2", "9\u0661",
        "june 5, 2020", "aug. 1, 2021", "OCTOBER 9, 2019", "nov 30, 2018", "feb 2 2020", "dec 25, 2020",
        "sep 9, 2009", "april 1, 2001", "may 5, 2005", "JULY 4 1999", "CASE NO. 5", "Matter No. A-12",
        "index no 77/2020", "File # 2020-55", "Cause Number: 18-CI-1", "civil action no. 3:21-cv-1", "APPEAL No. 21-1",
        "EUR 5", "GBP 7", "CHF 1", "CAD 2", "AUD 3", "JPY 400", "filed", "hearing", "v.", ",", ";", ".", ":", "(", ")", "\"", "_", "-", "/", "#", "$", "€", "£"};
    private static final String[] GAPS = {" ", " ", " ", "  ", "\n", "\r\n", "\r", "\t", "\n\n", "\u2028", "\u0085", "",
        ", ", ". "};

    @Test
    void everyScanFindsWhatFindFindsOnSamplesAndRandomTexts() throws IOException {
        List<String> texts = new ArrayList<>();
        try (Stream<Path> samples = Files.list(Path.of("..", "..", "samples"))) {
            for (Path sample : samples.filter(path -> !path.toString().endsWith(".pdf")).toList()) {
                texts.add(Files.readString(sample, StandardCharsets.UTF_8));
            }
        }
        assertThat(texts).as("the repository's sample texts").isNotEmpty();
        Random random = new Random(20261205);
        for (int i = 0; i < 3_000; i++) {
            StringBuilder text = new StringBuilder();
            int pieces = 1 + random.nextInt(40);
            for (int p = 0; p < pieces; p++) {
                text.append(PIECES[random.nextInt(PIECES.length)]).append(GAPS[random.nextInt(GAPS.length)]);
            }
            texts.add(text.toString());
        }

        long matches = 0;
        for (PatternScan scan : LegalExtractor.scans()) {
            for (String text : texts) {
                List<String> expected = new ArrayList<>();
                Matcher find = scan.pattern().matcher(text);
                while (find.find()) {
                    expected.add(find.start() + "-" + find.end() + ":" + find.group());
                }
                List<String> scanned = new ArrayList<>();
                scan.forEachMatch(text, m -> scanned.add(m.start() + "-" + m.end() + ":" + m.group()));
                assertThat(scanned).as("%s on %s", scan.pattern(), text).isEqualTo(expected);
                Matcher first = scan.first(text);
                assertThat(first == null ? null : first.start() + "-" + first.end() + ":" + first.group())
                        .isEqualTo(expected.isEmpty() ? null : expected.get(0));
                matches += expected.size();
            }
        }
        // The texts must exercise the patterns, not only their absence.
        assertThat(matches).isGreaterThan(10_000);
    }
}
