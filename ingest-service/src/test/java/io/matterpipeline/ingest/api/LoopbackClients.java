package io.matterpipeline.ingest.api;

import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Test clients of a server on loopback. Each request opens its own connection: a pooled connection that the server
 * closed after refusing an earlier request unread (413 before the body, 401 on an upload) can be handed to the next
 * request just before its close arrives, which then fails with "Connection prematurely closed BEFORE response" — a
 * flaky test, not a finding about the server.
 */
final class LoopbackClients {

    private LoopbackClients() {
    }

    static WebTestClient.Builder to(int port) {
        return WebTestClient.bindToServer(new ReactorClientHttpConnector(HttpClient.create(
                        ConnectionProvider.newConnection())))
                .baseUrl("http://127.0.0.1:" + port);
    }
}
