package io.matterpipeline.extract.modelhttp;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.testkit.net.LoopbackPorts;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
    void warmUpOfAServerThatIsDownCompletesWithoutAnError() {
        ModelHttpClient client = new ModelHttpClient("test", "http://127.0.0.1:" + LoopbackPorts.next(), WAIT, 2, null,
                false);

        assertThat(client.warmUp("/ping").blockOptional(WAIT)).isEmpty();
    }
}
