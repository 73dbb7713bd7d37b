package io.matterpipeline.testkit.ollama;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Regex extraction of the legal schema from one page: what a careful but simple-minded model would answer. Every
 * {@code quote} is a verbatim substring of the page.
 */
final class LegalExtractor {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final String MONTH = "(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
            + "|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)";
    private static final PatternScan ISO_DATE =
            PatternScan.startingWithDigit("(?<![\\d-])(\\d{4})-(\\d{2})-(\\d{2})(?![\\d-])");
    private static final PatternScan US_DATE =
            PatternScan.startingWithDigit("(?<![\\d/])(\\d{1,2})/(\\d{1,2})/(\\d{4})(?![\\d/])");
    private static final PatternScan MONTH_FIRST_DATE = PatternScan.startingWith(
            "(?i)\\b" + MONTH + "\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b",
            "JFMASONDjfmasond", PatternScan.Before.NO_WORD_CHARACTER);
    private static final PatternScan DAY_FIRST_DATE = PatternScan.startingWithDigit(
            "(?i)\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:day\\s+of\\s+)?" + MONTH + "\\.?,?\\s+(\\d{4})\\b");

    private static final String NUMBER = "(\\d{1,3}(?:,\\d{3})+|\\d+)(\\.\\d{1,2})?";
    private static final String SCALE = "(?:\\s?(million|billion)\\b)?";
    private static final PatternScan SYMBOL_AMOUNT = PatternScan.startingWith(
            "(?<![\\w$])(US\\$|\\$|€|£)\\s?" + NUMBER + SCALE, "U$€£", PatternScan.Before.ANYTHING);
    private static final PatternScan CODE_AMOUNT = PatternScan.startingWith(
            "\\b(USD|EUR|GBP|CHF|CAD|AUD|JPY)\\s?" + NUMBER + SCALE, "UEGCAJ", PatternScan.Before.NO_WORD_CHARACTER);
    private static final PatternScan TRAILING_CODE_AMOUNT = PatternScan.startingWithDigit(
            "(?<![\\w.,$€£])" + NUMBER + SCALE + "\\s?(USD|EUR|GBP|CHF|CAD|AUD|JPY|dollars|euros)\\b");

    private static final PatternScan DOCKET_NUMBER =
            PatternScan.startingWithDigit("\\b\\d{2,4}-[A-Z]{1,4}-\\d{3,7}\\b");
    private static final PatternScan FEDERAL_NUMBER =
            PatternScan.startingWithDigit("(?i)\\b\\d{1,2}:\\d{2}-[a-z]{2,4}-\\d{3,6}(?:-[a-z]{2,5})*\\b");
    private static final PatternScan LABELLED_NUMBER = PatternScan.startingWith(
            "(?i)\\b(?:case|matter|docket|index|file|cause|civil action|appeal)\\s+(?:no\\.?|number|#)\\s*:?\\s*"
                    + "([A-Z0-9][A-Z0-9:./-]*[A-Z0-9])", "cmdifaCMDIFA", PatternScan.Before.NO_WORD_CHARACTER);

    private static final String ROLE = "(?i:(?:counter-?|cross-?|third-party\\s+)?(?:plaintiffs?|defendants?|petitioners?"
            + "|respondents?|appellants?|appellees?|claimants?|intervenors?|debtors?|creditors?|movants?))";
    private static final PatternScan CAPTION_PARTY = PatternScan.atLineStart(
            "^[ \\t]*(\\S.{0,149}?)[ \\t]*,?[ \\t]+(" + ROLE + ")[ \\t]*[.,;:]?[ \\t]*$");
    private static final PatternScan BETWEEN = PatternScan.startingWith(
            "(?i)\\bbetween\\s+([^;]{2,200}?)\\s+and\\s+([^;]{2,200}?)"
                    + "(?=\\s*(?:[.;]\\s|[.;]$|\\n\\s*\\n|,\\s*(?:dated|effective|as of|whereby|hereinafter|each)\\b|$))",
            "bB", PatternScan.Before.NO_WORD_CHARACTER);
    private static final Pattern DEFINED_ROLE = Pattern.compile(
            "(?i)\\(\\s*(?:the\\s+|hereinafter\\s+(?:referred\\s+to\\s+as\\s+)?(?:the\\s+)?)?[\"“']([^\"”']{1,40})[\"”']\\s*\\)");
    /** Lower-case words that mark a sentence rather than a name. */
    private static final Set<String> NOT_IN_NAMES = Set.of("the", "for", "by", "against", "that", "which", "is", "was",
            "are", "were", "filed", "to", "on", "behalf", "now", "comes");
    /** Words that mark counsel rather than a party, in any case. */
    private static final Set<String> COUNSEL = Set.of("counsel", "attorney", "attorneys");

    private static final PatternScan MODAL = PatternScan.startingWith("(?i)\\b(shall|must)\\b", "smSM",
            PatternScan.Before.NO_WORD_CHARACTER);
    private static final Set<String> LEADING_DETERMINERS = Set.of("the", "such", "said");

    private static final Map<String, Integer> MONTHS = Map.ofEntries(Map.entry("jan", 1), Map.entry("feb", 2),
            Map.entry("mar", 3), Map.entry("apr", 4), Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7),
            Map.entry("aug", 8), Map.entry("sep", 9), Map.entry("oct", 10), Map.entry("nov", 11),
            Map.entry("dec", 12));

    private static final int SUMMARY_CHARS = 240;

    /** One finding, placed in the page so findings of several patterns come out in text order. */
    private record Found(int start, int end, String key, ObjectNode item) {
    }

    private LegalExtractor() {
    }

    /** The extraction of {@code page}, with the fields in schema order. */
    static ObjectNode extract(String page) {
        String documentType = documentType(page);
        ArrayNode parties = items(parties(page));
        ArrayNode dates = items(dates(page));
        ArrayNode amounts = items(amounts(page));
        ArrayNode caseNumbers = items(caseNumbers(page));
        ArrayNode obligations = items(obligations(page));
        ObjectNode result = NODES.objectNode();
        result.put("documentType", documentType);
        result.set("parties", parties);
        result.set("dates", dates);
        result.set("amounts", amounts);
        result.set("caseNumbers", caseNumbers);
        result.set("obligations", obligations);
        result.put("summary", summary(page, documentType, parties, caseNumbers));
        return result;
    }

    static String documentType(String page) {
        String text = page.toLowerCase(Locale.ROOT);
        int court = count(text, "court") + count(text, "plaintiff") + count(text, "defendant")
                + count(text, "petitioner") + count(text, "case no") + count(text, "motion") + count(text, "complaint")
                + count(text, "docket");
        int contract = count(text, "agreement") + count(text, "contract") + count(text, "hereby agree")
                + count(text, "by and between") + count(text, "whereas") + count(text, "in witness whereof");
        int letter = count(text, "dear ") + count(text, "sincerely") + count(text, "yours truly")
                + count(text, "kind regards");
        int invoice = count(text, "invoice") + count(text, "amount due") + count(text, "bill to");
        int best = Math.max(Math.max(court, contract), Math.max(letter, invoice));
        if (best == 0) {
            return "unknown";
        }
        return best == court ? "court filing" : best == contract ? "contract" : best == letter ? "letter" : "invoice";
    }

    private static List<Found> dates(String page) {
        List<Found> found = new ArrayList<>();
        collect(found, ISO_DATE, page, m -> date(page, m, m.group(1), m.group(2), m.group(3)));
        collect(found, US_DATE, page, m -> date(page, m, m.group(3), m.group(1), m.group(2)));
        collect(found, MONTH_FIRST_DATE, page, m -> Character.isUpperCase(m.group(1).charAt(0))
                ? date(page, m, m.group(3), month(m.group(1)), m.group(2)) : null);
        collect(found, DAY_FIRST_DATE, page, m -> Character.isUpperCase(m.group(2).charAt(0))
                ? date(page, m, m.group(3), month(m.group(2)), m.group(1)) : null);
        return distinct(found);
    }

    private static Found date(String page, Matcher m, String year, String month, String day) {
        LocalDate date;
        try {
            date = LocalDate.of(Integer.parseInt(year), Integer.parseInt(month), Integer.parseInt(day));
        } catch (DateTimeException | NumberFormatException e) {
            return null;
        }
        String quote = PageText.quote(page, m.start(), m.end());
        ObjectNode item = NODES.objectNode();
        item.put("date", date.toString());
        item.put("description", dateDescription(PageText.sentenceAround(page, m.start(), m.end())));
        item.put("quote", quote);
        return new Found(m.start(), m.end(), date.toString(), item);
    }

    private static String month(String name) {
        return String.valueOf(MONTHS.get(name.substring(0, 3).toLowerCase(Locale.ROOT)));
    }

    private static String dateDescription(String context) {
        String text = context.toLowerCase(Locale.ROOT);
        if (text.contains("filed")) {
            return "filing date";
        }
        if (text.contains("hearing")) {
            return "hearing date";
        }
        if (text.contains("effective")) {
            return "effective date";
        }
        if (text.contains("no later than") || text.contains("on or before") || text.contains("deadline")
                || text.contains(" due")) {
            return "deadline";
        }
        if (text.contains("signed") || text.contains("executed")) {
            return "signing date";
        }
        if (text.contains("dated") || text.contains("date:")) {
            return "document date";
        }
        return "date mentioned";
    }

    private static List<Found> amounts(String page) {
        List<Found> found = new ArrayList<>();
        collect(found, SYMBOL_AMOUNT, page, m -> amount(page, m, symbolCurrency(m.group(1)), m.group(2), m.group(3),
                m.group(4)));
        collect(found, CODE_AMOUNT, page, m -> amount(page, m, m.group(1), m.group(2), m.group(3), m.group(4)));
        collect(found, TRAILING_CODE_AMOUNT, page, m -> amount(page, m, codeCurrency(m.group(4)), m.group(1),
                m.group(2), m.group(3)));
        return distinct(found);
    }

    private static String symbolCurrency(String symbol) {
        return switch (symbol) {
            case "€" -> "EUR";
            case "£" -> "GBP";
            default -> "USD";
        };
    }

    private static String codeCurrency(String code) {
        return switch (code) {
            case "dollars" -> "USD";
            case "euros" -> "EUR";
            default -> code;
        };
    }

    private static Found amount(String page, Matcher m, String currency, String whole, String fraction, String scale) {
        BigDecimal value = new BigDecimal(whole.replace(",", "") + (fraction == null ? "" : fraction));
        if (scale != null) {
            value = value.movePointRight(scale.equalsIgnoreCase("million") ? 6 : 9);
        }
        String quote = PageText.quote(page, m.start(), m.end());
        ObjectNode item = NODES.objectNode();
        BigDecimal plain = value.stripTrailingZeros();
        if (plain.scale() <= 0) {
            item.put("amount", plain.longValueExact());
        } else {
            item.put("amount", plain.doubleValue());
        }
        item.put("currency", currency);
        item.put("description", amountDescription(PageText.sentenceAround(page, m.start(), m.end())));
        item.put("quote", quote);
        return new Found(m.start(), m.end(), currency + " " + plain.toPlainString(), item);
    }

    private static String amountDescription(String context) {
        String text = context.toLowerCase(Locale.ROOT);
        if (text.contains("purchase price")) {
            return "purchase price";
        }
        if (text.contains("damages")) {
            return "damages";
        }
        if (text.contains("settlement")) {
            return "settlement amount";
        }
        if (text.contains("penalt")) {
            return "penalty";
        }
        if (text.contains("fee")) {
            return "fees";
        }
        if (text.contains("rent")) {
            return "rent";
        }
        if (text.contains("pay")) {
            return "payment";
        }
        return "amount mentioned";
    }

    private static List<Found> caseNumbers(String page) {
        List<Found> found = new ArrayList<>();
        collect(found, DOCKET_NUMBER, page, m -> caseNumber(page, m.group(), m.start(), m.end()));
        collect(found, FEDERAL_NUMBER, page, m -> caseNumber(page, m.group(), m.start(), m.end()));
        collect(found, LABELLED_NUMBER, page, m -> m.group(1).chars().anyMatch(Character::isDigit)
                ? caseNumber(page, m.group(1), m.start(1), m.end(1)) : null);
        return distinct(found);
    }

    private static Found caseNumber(String page, String value, int start, int end) {
        ObjectNode item = NODES.objectNode();
        item.put("value", value);
        item.put("quote", PageText.quote(page, start, end));
        return new Found(start, end, value.toUpperCase(Locale.ROOT), item);
    }

    private static List<Found> parties(String page) {
        List<Found> found = new ArrayList<>();
        collect(found, CAPTION_PARTY, page, m -> {
            String role = PageText.normalizeSpace(m.group(2)).toLowerCase(Locale.ROOT);
            return party(page, m.group(1), m.start(1), role.endsWith("s") ? role.substring(0, role.length() - 1) : role);
        });
        BETWEEN.forEachMatch(page, between -> {
            for (int g = 1; g <= 2; g++) {
                String piece = between.group(g);
                Matcher defined = DEFINED_ROLE.matcher(piece);
                String role = defined.find() ? PageText.normalizeSpace(defined.group(1)).toLowerCase(Locale.ROOT)
                        : "party";
                Found party = party(page, piece, between.start(g), role);
                if (party != null) {
                    found.add(party);
                }
            }
        });
        return distinct(found);
    }

    private static Found party(String page, String rawName, int start, String role) {
        String name = rawName;
        for (String cut : new String[] {",", "(", "\""}) {
            int at = name.indexOf(cut);
            if (at > 0) {
                name = name.substring(0, at);
            }
        }
        name = PageText.normalizeSpace(name).replaceAll("[\\s,.;:]+$", "");
        if (name.length() < 2 || !Character.isUpperCase(name.charAt(0)) || name.split(" ").length > 10) {
            return null;
        }
        for (String word : name.split(" ")) {
            if (NOT_IN_NAMES.contains(word) || COUNSEL.contains(word.toLowerCase(Locale.ROOT))) {
                return null;
            }
        }
        ObjectNode item = NODES.objectNode();
        item.put("name", name);
        item.put("role", role);
        item.put("quote", PageText.quote(page, start, start + rawName.length()));
        return new Found(start, start + rawName.length(), name.toUpperCase(Locale.ROOT), item);
    }

    private static List<Found> obligations(String page) {
        List<Found> found = new ArrayList<>();
        for (int[] span : PageText.sentences(page)) {
            String sentence = page.substring(span[0], span[1]);
            Matcher modal = MODAL.first(sentence);
            if (modal == null) {
                continue;
            }
            ObjectNode item = NODES.objectNode();
            item.put("party", obligedParty(sentence.substring(0, modal.start())));
            item.put("obligation", PageText.normalizeSpace(sentence.substring(modal.start())).replaceAll("[.;:]$", ""));
            item.put("quote", sentence);
            found.add(new Found(span[0], span[1], sentence, item));
        }
        return distinct(found);
    }

    private static String obligedParty(String beforeModal) {
        String subject = PageText.normalizeSpace(beforeModal);
        int comma = subject.lastIndexOf(',');
        if (comma >= 0) {
            subject = subject.substring(comma + 1).trim();
        }
        List<String> words = new ArrayList<>(List.of(subject.isEmpty() ? new String[0] : subject.split(" ")));
        while (words.size() > 4) {
            words.remove(0);
        }
        while (!words.isEmpty() && LEADING_DETERMINERS.contains(words.get(0).toLowerCase(Locale.ROOT))) {
            words.remove(0);
        }
        String party = String.join(" ", words).replaceAll("^[^\\p{L}\\p{N}]+|[^\\p{L}\\p{N}.)]+$", "");
        return party.isEmpty() ? "unspecified" : party;
    }

    private static String summary(String page, String documentType, ArrayNode parties, ArrayNode caseNumbers) {
        StringBuilder summary = new StringBuilder();
        summary.append("unknown".equals(documentType) ? "Document of unknown type"
                : Character.toUpperCase(documentType.charAt(0)) + documentType.substring(1));
        if (!caseNumbers.isEmpty()) {
            summary.append(" in matter ").append(caseNumbers.get(0).get("value").stringValue());
        }
        if (!parties.isEmpty()) {
            summary.append(parties.size() == 1 ? " concerning " : " between ");
            for (int i = 0; i < parties.size(); i++) {
                if (i > 0) {
                    summary.append(i == parties.size() - 1 ? " and " : ", ");
                }
                summary.append(parties.get(i).get("name").stringValue())
                        .append(" (").append(parties.get(i).get("role").stringValue()).append(')');
            }
        }
        summary.append('.');
        List<int[]> sentences = PageText.sentences(page);
        if (sentences.isEmpty()) {
            summary.append(" The page has no text.");
        } else {
            summary.append(' ').append(PageText.normalizeSpace(page.substring(sentences.get(0)[0], sentences.get(0)[1])));
        }
        if (summary.length() <= SUMMARY_CHARS) {
            return summary.toString();
        }
        int cut = summary.lastIndexOf(" ", SUMMARY_CHARS - 3);
        return summary.substring(0, cut > 0 ? cut : SUMMARY_CHARS - 3) + "...";
    }

    private static void collect(List<Found> into, PatternScan scan, String page, Function<Matcher, Found> toFound) {
        scan.forEachMatch(page, m -> {
            Found found = toFound.apply(m);
            if (found != null) {
                into.add(found);
            }
        });
    }

    /** Every scan of a page, for {@code PatternScanTests}. */
    static List<PatternScan> scans() {
        return List.of(ISO_DATE, US_DATE, MONTH_FIRST_DATE, DAY_FIRST_DATE, SYMBOL_AMOUNT, CODE_AMOUNT,
                TRAILING_CODE_AMOUNT, DOCKET_NUMBER, FEDERAL_NUMBER, LABELLED_NUMBER, CAPTION_PARTY, BETWEEN, MODAL);
    }

    /** Text order; a finding overlapping a kept one, or repeating its key, is dropped. */
    private static List<Found> distinct(List<Found> found) {
        found.sort(Comparator.comparingInt(Found::start).thenComparing(f -> -f.end()));
        List<Found> kept = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        int coveredTo = -1;
        for (Found f : found) {
            if (f.start() < coveredTo || !keys.add(f.key())) {
                continue;
            }
            kept.add(f);
            coveredTo = f.end();
        }
        return kept;
    }

    private static ArrayNode items(List<Found> found) {
        ArrayNode array = NODES.arrayNode();
        found.forEach(f -> array.add(f.item()));
        return array;
    }

    private static int count(String text, String word) {
        int count = 0;
        for (int at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + word.length())) {
            count++;
        }
        return count;
    }
}
