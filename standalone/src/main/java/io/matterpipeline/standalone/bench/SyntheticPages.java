package io.matterpipeline.standalone.bench;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Plain-text documents for the benchmark: pages of legal-looking prose separated by form feeds (the text splitter's
 * page break), each page with a case number, parties, a date and an amount, so the simulated model extracts items and
 * the quote checks do real work. Deterministic: the same arguments give the same bytes.
 */
public final class SyntheticPages {

    private static final String[] PARTIES = {"ACME CORPORATION", "BETA HOLDINGS LLC", "GAMMA INDUSTRIES INC.",
        "DELTA PARTNERS LP", "EPSILON TRUST", "ZETA LOGISTICS LTD."};
    private static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"};
    private static final String FILLER = "The parties acknowledge that the foregoing recitals are true and correct "
            + "and form part of this agreement. Each party shall perform its obligations in good faith and shall "
            + "cooperate with the other in all matters relating to the performance of this agreement. ";

    private SyntheticPages() {
    }

    /** The text of page {@code page} (1-based) of document {@code document}, about {@code chars} characters long. */
    public static String page(int document, int page, int chars) {
        String plaintiff = PARTIES[(document + page) % PARTIES.length];
        String defendant = PARTIES[(document + page + 1) % PARTIES.length];
        int day = 1 + (page * 7 + document) % 28;
        String month = MONTHS[(page + document) % MONTHS.length];
        int year = 2015 + (page + document) % 10;
        StringBuilder text = new StringBuilder(chars + 200);
        text.append("UNITED STATES DISTRICT COURT\n")
                .append(String.format(Locale.ROOT, "Case No. 1:%02d-cv-%05d%n", year % 100, document * 1000 + page))
                .append(plaintiff).append(", Plaintiff,\nv.\n").append(defendant).append(", Defendant.\n\n")
                .append("On ").append(month).append(' ').append(day).append(", ").append(year)
                .append(" the parties signed the agreement.\n")
                .append(String.format(Locale.ROOT, "The Defendant shall pay $%,d.00 to the Plaintiff.%n",
                        1_000 * (1 + (page * 31 + document) % 900)));
        while (text.length() < chars) {
            text.append(FILLER);
        }
        text.setLength(Math.max(chars, text.indexOf("\n\n") + 1));
        return text.toString();
    }

    /** Document {@code document} with {@code pages} pages of about {@code chars} characters, as UTF-8. */
    public static byte[] document(int document, int pages, int chars) {
        StringBuilder text = new StringBuilder(pages * (chars + 1));
        for (int page = 1; page <= pages; page++) {
            if (page > 1) {
                text.append('\f');
            }
            text.append(page(document, page, chars));
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }
}
