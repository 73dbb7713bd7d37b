package io.matterpipeline.testkit.documentintelligence;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stand-in for Azure AI Document Intelligence on loopback, answering the REST protocol the
 * {@code azure-ai-documentintelligence} SDK speaks (API version {@value #API_VERSION}) for the {@code prebuilt-read}
 * model:
 * <ul>
 *   <li>{@code POST /documentintelligence/documentModels/prebuilt-read:analyze?api-version=...&pages=1-3,5} with a
 *       JSON body {@code {"base64Source": "..."}} of a PDF: {@code 202 Accepted} with an {@code Operation-Location}
 *       header, the request recorded ({@link #requests()});</li>
 *   <li>{@code GET} that operation: {@code {"status":"running"}} for the first {@code polls} polls, then
 *       {@code {"status":"succeeded", ..., "analyzeResult": {...}}}.</li>
 * </ul>
 * Both require the {@code Ocp-Apim-Subscription-Key} header to be {@link #key()} (else 401, as the service answers).
 *
 * <p>It cannot read images: the text of page {@code n} is what {@link #page} set for it, by default the fixture's page
 * ({@code analyze-result-2page.json}, a two-page court filing whose words average 0.9786 and 0.8911 confidence)
 * {@code ((n - 1) % 2) + 1}. Without a {@code pages} parameter it answers the pages set, or the fixture's two.
 *
 * <p>Faults for tests: {@link #failNextAnalyze} (an HTTP status for the next submissions, such as 429 or 503),
 * {@link #neverFinish} (operations stay running), {@link #failOperations} (operations end {@code failed}).
 */
public final class DocumentIntelligenceSimulator implements AutoCloseable {

    /** The API version the SDK 1.0.x sends. */
    public static final String API_VERSION = "2024-11-30";
    /** The key the simulator accepts unless another is given. */
    public static final String DEFAULT_KEY = "simulated-document-intelligence-key";
    /** The only model it serves. */
    public static final String MODEL = "prebuilt-read";

    private static final String ANALYZE_PATH = "/documentintelligence/documentModels/" + MODEL + ":analyze";
    private static final String RESULTS_PATH = "/documentintelligence/documentModels/" + MODEL + "/analyzeResults/";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<SimulatedPage> FIXTURE = fixturePages();

    /** A word of a page and its confidence (0..1). */
    public record Word(String content, double confidence) {
    }

    /**
     * What the simulator "reads" on a page.
     *
     * @param text the page's text, lines separated by {@code \n}
     * @param words the page's words in reading order, each found in {@code text} after the previous one
     */
    public record SimulatedPage(String text, List<Word> words) {

        public SimulatedPage {
            Objects.requireNonNull(text, "text");
            words = List.copyOf(words);
        }

        /** A page of {@code text} whose every word has {@code confidence}. */
        public static SimulatedPage of(String text, double confidence) {
            List<Word> words = new ArrayList<>();
            for (String word : text.split("\\s+")) {
                if (!word.isEmpty()) {
                    words.add(new Word(word, confidence));
                }
            }
            return new SimulatedPage(text, words);
        }
    }

    /**
     * One analyze request as received.
     *
     * @param modelId the model in the path
     * @param apiVersion the {@code api-version} parameter
     * @param pages the {@code pages} parameter as sent, null when absent
     * @param pageNumbers the page numbers it names
     * @param documentBytes the size of the decoded document
     */
    public record AnalyzeRequest(String modelId, String apiVersion, String pages, List<Integer> pageNumbers,
            int documentBytes) {
    }

    private final String key;
    private final int polls;
    private final Map<Integer, SimulatedPage> pages = new ConcurrentHashMap<>();
    private final List<AnalyzeRequest> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Operation> operations = new ConcurrentHashMap<>();
    private final AtomicInteger getCount = new AtomicInteger();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus;
    private volatile boolean neverFinish;
    private volatile String operationErrorCode;
    private final DisposableServer server;

    private DocumentIntelligenceSimulator(int port, String key, int polls) {
        this.key = key;
        this.polls = polls;
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .handle(this::handle)
                .bindNow(Duration.ofSeconds(10));
    }

    /** Starts on a free loopback port with {@link #DEFAULT_KEY}, answering "running" once before "succeeded". */
    public static DocumentIntelligenceSimulator start() {
        return start(0, DEFAULT_KEY, 1);
    }

    /**
     * Starts on {@code port} (0 for a free one).
     *
     * @param key the key clients must send
     * @param polls how many polls of an operation answer "running" before it succeeds
     */
    public static DocumentIntelligenceSimulator start(int port, String key, int polls) {
        if (polls < 0 || key == null || key.isBlank()) {
            throw new IllegalArgumentException("polls must be >= 0 and key not blank");
        }
        return new DocumentIntelligenceSimulator(port, key, polls);
    }

    /** The endpoint to configure ({@code matter-pipeline.splitter.ocr.endpoint}). */
    public String endpoint() {
        return "http://127.0.0.1:" + server.port();
    }

    public int port() {
        return server.port();
    }

    public String key() {
        return key;
    }

    /** Sets what page {@code pageNumber} reads as. */
    public DocumentIntelligenceSimulator page(int pageNumber, SimulatedPage page) {
        pages.put(pageNumber, page);
        return this;
    }

    /** The fixture's page {@code pageNumber} (1 or 2). */
    public static SimulatedPage fixturePage(int pageNumber) {
        return FIXTURE.get(pageNumber - 1);
    }

    /** Every analyze request received so far (refused ones included), in arrival order. */
    public List<AnalyzeRequest> requests() {
        return new ArrayList<>(requests);
    }

    /** How many times operations were polled. */
    public int polls() {
        return getCount.get();
    }

    /** The next {@code count} analyze submissions are answered {@code status} (429 comes with Retry-After: 1). */
    public void failNextAnalyze(int status, int count) {
        failureStatus = status;
        failuresLeft.set(count);
    }

    /** While true, every operation stays "running". */
    public void neverFinish(boolean never) {
        neverFinish = never;
    }

    /** Operations end {@code failed} with this error code (such as {@code InvalidContent}); null to succeed again. */
    public void failOperations(String errorCode) {
        operationErrorCode = errorCode;
    }

    /** Forgets recorded requests and faults (configured pages stay). */
    public void reset() {
        requests.clear();
        getCount.set(0);
        failuresLeft.set(0);
        neverFinish = false;
        operationErrorCode = null;
    }

    private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        if (!key.equals(request.requestHeaders().get("Ocp-Apim-Subscription-Key"))) {
            return request.receive().then(error(response, HttpResponseStatus.UNAUTHORIZED, "401", "Access denied"
                    + " due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an"
                    + " active subscription and use a correct regional API endpoint for your resource.", null));
        }
        String apiVersion = first(uri, "api-version");
        if (!API_VERSION.equals(apiVersion)) {
            return request.receive().then(error(response, HttpResponseStatus.NOT_FOUND, "404",
                    "Resource not found (api-version " + apiVersion + ")", null));
        }
        if (request.method().name().equals("POST") && uri.path().equals(ANALYZE_PATH)) {
            return request.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                    .flatMap(body -> analyze(uri, body, response));
        }
        if (request.method().name().equals("GET") && uri.path().startsWith(RESULTS_PATH)) {
            return poll(uri.path().substring(RESULTS_PATH.length()), response);
        }
        if (uri.path().startsWith("/documentintelligence/documentModels/")) {
            return request.receive().then(error(response, HttpResponseStatus.NOT_FOUND, "NotFound",
                    "Resource not found.", new String[] {"ModelNotFound", "The requested model was not found."}));
        }
        return request.receive().then(error(response, HttpResponseStatus.NOT_FOUND, "404", "Resource not found",
                null));
    }

    private Mono<Void> analyze(QueryStringDecoder uri, byte[] body, HttpServerResponse response) {
        String pagesParameter = first(uri, "pages");
        byte[] document = decode(body);
        List<Integer> pageNumbers = pagesParameter == null ? null : parsePages(pagesParameter);
        requests.add(new AnalyzeRequest(MODEL, first(uri, "api-version"), pagesParameter,
                pageNumbers == null ? List.of() : pageNumbers, document == null ? -1 : document.length));
        if (failuresLeft.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
            if (failureStatus == 429) {
                response.header("Retry-After", "1");
            }
            return error(response, HttpResponseStatus.valueOf(failureStatus), String.valueOf(failureStatus),
                    "Simulated failure " + failureStatus, null);
        }
        if (document == null) {
            return error(response, HttpResponseStatus.BAD_REQUEST, "InvalidRequest", "Invalid request.",
                    new String[] {"InvalidBase64Source", "The base64Source is missing or not valid base64."});
        }
        if (document.length < 5 || !new String(document, 0, 5, StandardCharsets.US_ASCII).equals("%PDF-")) {
            return error(response, HttpResponseStatus.BAD_REQUEST, "InvalidRequest", "Invalid request.",
                    new String[] {"InvalidContent", "The file is corrupted or format is unsupported. Refer to"
                            + " documentation for the list of supported formats."});
        }
        if (pagesParameter != null && pageNumbers.isEmpty()) {
            return error(response, HttpResponseStatus.BAD_REQUEST, "InvalidArgument", "Invalid argument.",
                    new String[] {"InvalidParameter", "The parameter pages is invalid: " + pagesParameter});
        }
        String id = UUID.randomUUID().toString();
        operations.put(id, new Operation(pageNumbers, Instant.now()));
        return response.status(HttpResponseStatus.ACCEPTED)
                .header("Operation-Location", endpoint() + RESULTS_PATH + id + "?api-version=" + API_VERSION)
                .header("apim-request-id", id)
                .send();
    }

    private Mono<Void> poll(String id, HttpServerResponse response) {
        Operation operation = operations.get(id);
        if (operation == null) {
            return error(response, HttpResponseStatus.NOT_FOUND, "NotFound", "Resource not found.", null);
        }
        getCount.incrementAndGet();
        ObjectNode body = JSON.createObjectNode();
        body.put("createdDateTime", operation.created().toString());
        body.put("lastUpdatedDateTime", Instant.now().toString());
        if (neverFinish || operation.polls().incrementAndGet() <= polls) {
            body.put("status", "running");
        } else if (operationErrorCode != null) {
            body.put("status", "failed");
            ObjectNode error = body.putObject("error");
            error.put("code", "InvalidRequest");
            error.put("message", "Invalid request.");
            ObjectNode inner = error.putObject("innererror");
            inner.put("code", operationErrorCode);
            inner.put("message", "Simulated failure " + operationErrorCode + ".");
        } else {
            body.put("status", "succeeded");
            body.set("analyzeResult", analyzeResult(operation.pages()));
        }
        return json(response, HttpResponseStatus.OK, body);
    }

    /** An analyzeResult of {@code pageNumbers} (null: the configured pages, or the fixture's two). */
    private ObjectNode analyzeResult(List<Integer> pageNumbers) {
        SortedSet<Integer> numbers = new TreeSet<>();
        if (pageNumbers != null) {
            numbers.addAll(pageNumbers);
        } else if (!pages.isEmpty()) {
            numbers.addAll(pages.keySet());
        } else {
            numbers.addAll(List.of(1, 2));
        }
        ObjectNode result = JSON.createObjectNode();
        result.put("apiVersion", API_VERSION);
        result.put("modelId", MODEL);
        result.put("stringIndexType", "utf16CodeUnit");
        result.put("contentFormat", "text");
        StringBuilder content = new StringBuilder();
        ArrayNode pageArray = JSON.createArrayNode();
        for (int number : numbers) {
            SimulatedPage page = pages.getOrDefault(number, FIXTURE.get((number - 1) % FIXTURE.size()));
            if (content.length() > 0) {
                content.append('\n');
            }
            int start = content.length();
            content.append(page.text());
            ObjectNode pageNode = pageArray.addObject();
            pageNode.put("pageNumber", number);
            pageNode.put("angle", 0);
            pageNode.put("width", 8.5);
            pageNode.put("height", 11);
            pageNode.put("unit", "inch");
            span(pageNode.putArray("spans").addObject(), start, page.text().length());
            ArrayNode words = pageNode.putArray("words");
            int cursor = 0;
            for (Word word : page.words()) {
                int at = page.text().indexOf(word.content(), cursor);
                if (at < 0) {
                    throw new IllegalStateException("Word '" + word.content() + "' is not in page " + number);
                }
                cursor = at + word.content().length();
                ObjectNode wordNode = words.addObject();
                wordNode.put("content", word.content());
                wordNode.put("confidence", word.confidence());
                span(wordNode.putObject("span"), start + at, word.content().length());
            }
            ArrayNode lines = pageNode.putArray("lines");
            int lineStart = 0;
            for (String line : page.text().split("\n", -1)) {
                ObjectNode lineNode = lines.addObject();
                lineNode.put("content", line);
                span(lineNode.putArray("spans").addObject(), start + lineStart, line.length());
                lineStart += line.length() + 1;
            }
        }
        result.put("content", content.toString());
        result.set("pages", pageArray);
        return result;
    }

    private static void span(ObjectNode node, int offset, int length) {
        node.put("offset", offset);
        node.put("length", length);
    }

    /** The decoded {@code base64Source}, or null when the body has none. */
    private static byte[] decode(byte[] body) {
        try {
            JsonNode source = JSON.readTree(body).path("base64Source");
            return source.isString() ? Base64.getDecoder().decode(source.asString()) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code 1-3,5} as page numbers; empty when malformed. */
    static List<Integer> parsePages(String pages) {
        SortedSet<Integer> numbers = new TreeSet<>();
        try {
            for (String part : pages.split(",")) {
                String[] range = part.strip().split("-", 2);
                int from = Integer.parseInt(range[0].strip());
                int to = range.length > 1 ? Integer.parseInt(range[1].strip()) : from;
                if (from < 1 || to < from || to - from > 10_000) {
                    return List.of();
                }
                for (int page = from; page <= to; page++) {
                    numbers.add(page);
                }
            }
        } catch (NumberFormatException e) {
            return List.of();
        }
        return new ArrayList<>(numbers);
    }

    private static String first(QueryStringDecoder uri, String name) {
        List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static Mono<Void> error(HttpServerResponse response, HttpResponseStatus status, String code,
            String message, String[] inner) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", code);
        error.put("message", message);
        if (inner != null) {
            ObjectNode innerError = error.putObject("innererror");
            innerError.put("code", inner[0]);
            innerError.put("message", inner[1]);
        }
        return json(response, status, body);
    }

    private static Mono<Void> json(HttpServerResponse response, HttpResponseStatus status, JsonNode body) {
        return response.status(status)
                .header("Content-Type", "application/json; charset=utf-8")
                .sendByteArray(Mono.just(JSON.writeValueAsBytes(body)))
                .then();
    }

    /** The fixture's pages: text from each page's spans into content, its words with their confidence. */
    private static List<SimulatedPage> fixturePages() {
        try (InputStream in = DocumentIntelligenceSimulator.class
                .getResourceAsStream("/documentintelligence/analyze-result-2page.json")) {
            JsonNode result = JSON.readTree(Objects.requireNonNull(in, "fixture")).path("analyzeResult");
            String content = result.path("content").asString();
            List<SimulatedPage> pages = new ArrayList<>();
            for (JsonNode page : result.path("pages")) {
                StringBuilder text = new StringBuilder();
                for (JsonNode span : page.path("spans")) {
                    int offset = span.path("offset").asInt();
                    text.append(content, offset, offset + span.path("length").asInt());
                }
                List<Word> words = new ArrayList<>();
                page.path("words").forEach(word -> words.add(new Word(word.path("content").asString(),
                        word.path("confidence").asDouble())));
                pages.add(new SimulatedPage(text.toString(), words));
            }
            return List.copyOf(pages);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(10));
    }

    private record Operation(List<Integer> pages, Instant created, AtomicInteger polls) {

        Operation(List<Integer> pages, Instant created) {
            this(pages, created, new AtomicInteger());
        }
    }
}
