package io.matterpipeline.testkit.azuremonitor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A stand-in for the Azure Monitor (Application Insights) ingestion endpoint on loopback, for tests: point a service's
 * {@code APPLICATIONINSIGHTS_CONNECTION_STRING} at {@link #connectionString()} and read what the agent exported.
 *
 * <ul>
 *   <li>{@code POST /v2.1/track}: a gzip'd (or plain) body of newline-delimited JSON envelopes; every envelope is
 *       kept, the answer is {@code {"itemsReceived":n,"itemsAccepted":n,"errors":[]}};</li>
 *   <li>{@code GET /api/profiles/<ikey>/appId}: the agent's cross-component lookup, answered with a fixed id;</li>
 *   <li>{@code POST /QuickPulseService.svc/*}: Live Metrics pings, answered "not subscribed".</li>
 * </ul>
 * Envelope fields the tests read: {@code data.baseType} ({@code RequestData}, {@code RemoteDependencyData},
 * {@code MetricData}, {@code MessageData}, {@code ExceptionData}), {@code tags["ai.cloud.role"]},
 * {@code tags["ai.operation.id"]}, {@code tags["ai.operation.parentId"]}, {@code data.baseData}.
 */
public final class AzureMonitorIngestion implements AutoCloseable {

    /** The instrumentation key of {@link #connectionString()}. */
    public static final String INSTRUMENTATION_KEY = "00000000-0000-0000-0000-0000000000a1";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<JsonNode> envelopes = new CopyOnWriteArrayList<>();
    private final DisposableServer server;

    private AzureMonitorIngestion(int port) {
        this.server = HttpServer.create()
                .host("127.0.0.1")
                .port(port)
                .route(routes -> routes
                        .post("/v2.1/track", this::track)
                        .get("/api/profiles/{ikey}/appId", (request, response) -> response.sendString(
                                Mono.just("00000000-0000-0000-0000-0000000000a2")).then())
                        .post("/QuickPulseService.svc/{operation}", (request, response) -> request.receive()
                                .then(response.header("x-ms-qps-subscribed", "false").send())))
                .bindNow(Duration.ofSeconds(10));
    }

    /** Starts on a free loopback port. */
    public static AzureMonitorIngestion start() {
        return new AzureMonitorIngestion(0);
    }

    public int port() {
        return server.port();
    }

    /** A connection string whose ingestion (and Live Metrics) endpoint is this server. */
    public String connectionString() {
        String url = "http://127.0.0.1:" + port() + "/";
        return "InstrumentationKey=" + INSTRUMENTATION_KEY + ";IngestionEndpoint=" + url + ";LiveEndpoint=" + url;
    }

    /** Every envelope received so far, in arrival order. */
    public List<JsonNode> envelopes() {
        return new ArrayList<>(envelopes);
    }

    private Mono<Void> track(HttpServerRequest request, HttpServerResponse response) {
        boolean gzip = "gzip".equalsIgnoreCase(request.requestHeaders().get("Content-Encoding"));
        return request.receive().aggregate().asByteArray()
                .map(body -> accept(gzip ? gunzip(body) : body))
                .flatMap(count -> response.header("Content-Type", "application/json")
                        .sendString(Mono.just("{\"itemsReceived\":" + count + ",\"itemsAccepted\":" + count
                                + ",\"errors\":[]}")).then());
    }

    private int accept(byte[] body) {
        int count = 0;
        for (String line : new String(body, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                envelopes.add(JSON.readTree(line));
                count++;
            }
        }
        return count;
    }

    private static byte[] gunzip(byte[] body) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(10));
    }
}
