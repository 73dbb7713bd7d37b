package io.matterpipeline.extract.modelhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.matterpipeline.error.PipelineException;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.testkit.net.LoopbackPorts;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

class ModelHttpClientTests {

    static final Duration WAIT = Duration.ofSeconds(30);

    DisposableServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow(WAIT);
        }
    }

    @Test
    void warmUpOpensAConnectionPerAllowedCallAndTheCallsReuseThem() {
        int slots = 3;
        Set<Object> connections = ConcurrentHashMap.newKeySet();
        AtomicInteger gets = new AtomicInteger();
        AtomicInteger posts = new AtomicInteger();
        // The server answers the warm-up only once all of its requests are in: they must be open at the same time.
        Sinks.Empty<Void> allIn = Sinks.empty();
        server = HttpServer.create().host("127.0.0.1").port(LoopbackPorts.next())
                .doOnConnection(connection -> connections.add(connection.channel().id()))
                .route(routes -> routes
                        .get("/ping", (request, response) -> {
                            if (gets.incrementAndGet() == slots) {
                                allIn.tryEmitEmpty();
                            }
                            return allIn.asMono().then(response.sendString(Mono.just("ok")).then());
                        })
                        .post("/chat", (request, response) -> request.receive().then(Mono.defer(() -> {
                            posts.incrementAndGet();
                            return response.sendString(Mono.just("{}")).then();
                        }))))
                .bindNow(WAIT);
        ModelHttpClient client = new ModelHttpClient("test", "http://127.0.0.1:" + server.port(), WAIT, slots, null,
                false);

        client.warmUp("/ping").block(WAIT);

        assertThat(gets).hasValue(slots);
        assertThat(connections).hasSize(slots);
        for (int i = 0; i < slots; i++) {
            assertThat(client.post("/chat", new byte[] {'{', '}'}, "call " + i, (bytes, elapsed) -> bytes.length)
                    .block(WAIT)).isEqualTo(2);
        }
        assertThat(posts).hasValue(slots);
        assertThat(connections).as("the calls found the warm connections").hasSize(slots);
    }

    @Test
    void theCallersAnsweredHookRunsOnceWhenASuccessfulAnswerIsInBeforeItIsParsed() {
        server = HttpServer.create().host("127.0.0.1").port(LoopbackPorts.next())
                .route(routes -> routes
                        .post("/ok", (request, response) -> request.receive().then(
                                response.sendString(Mono.just("{}")).then()))
                        .post("/busy", (request, response) -> request.receive().then(
                                response.status(503).sendString(Mono.just("busy")).then())))
                .bindNow(WAIT);
        ModelHttpClient client = new ModelHttpClient("test", "http://127.0.0.1:" + server.port(), WAIT, 2, null,
                false);
        List<String> events = new CopyOnWriteArrayList<>();
        Runnable hook = () -> events.add("answered");

        client.post("/ok", new byte[] {'{', '}'}, "ok", (bytes, elapsed) -> events.add("parsed"))
                .contextWrite(context -> context.put(ModelClient.ANSWERED, hook))
                .block(WAIT);
        Throwable busy = catchThrowable(() -> client.post("/busy", new byte[] {'{', '}'}, "busy",
                        (bytes, elapsed) -> events.add("parsed"))
                .contextWrite(context -> context.put(ModelClient.ANSWERED, hook))
                .block(WAIT));

        // A failed call's slot is given back only once its failure is counted (so the next call avoids the endpoint).
        assertThat(events).containsExactly("answered", "parsed");
        assertThat(busy).isInstanceOf(PipelineException.class);
        // Without a hook in the context a call works as before.
        assertThat(client.post("/ok", new byte[] {'{', '}'}, "ok", (bytes, elapsed) -> bytes.length).block(WAIT))
                .isEqualTo(2);
    }

    @Test
    void warmUpOfAServerThatIsDownCompletesWithoutAnError() {
        ModelHttpClient client = new ModelHttpClient("test", "http://127.0.0.1:" + LoopbackPorts.next(), WAIT, 2, null,
                false);

        assertThat(client.warmUp("/ping").blockOptional(WAIT)).isEmpty();
    }
}
