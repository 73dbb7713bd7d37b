package io.matterpipeline.ingest.api;

import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.access.NewToken;
import io.matterpipeline.ingest.access.TokenService;
import io.matterpipeline.error.BadInputException;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** The token endpoints: translate HTTP to {@link TokenService} calls and back. */
final class TokenHandler {

    private final TokenService tokens;
    private final JsonBodies json;
    private final IngestProperties.Listing listing;

    TokenHandler(TokenService tokens, IngestProperties properties) {
        this.tokens = tokens;
        this.json = new JsonBodies(properties.maxJsonBody().toBytes());
        this.listing = properties.listing();
    }

    /** 201 with the token in {@code token}; never cached, since the secret is in the body. */
    Mono<ServerResponse> issue(ServerRequest request) {
        return json.read(request, NewToken.class)
                .switchIfEmpty(Mono.error(() -> new BadInputException("malformed-body",
                        "The request body must be a JSON object with scopes and tenant")))
                .flatMap(body -> tokens.issue(Callers.of(request), body))
                .flatMap(issued -> ServerResponse.status(HttpStatus.CREATED)
                        .cacheControl(CacheControl.noStore())
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(issued));
    }

    Mono<ServerResponse> list(ServerRequest request) {
        return Mono.defer(() -> tokens.list(Callers.of(request), request.queryParam("tenant").orElse(null),
                        Paging.limit(request, listing), request.queryParam("cursor").orElse(null)))
                .flatMap(page -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(page));
    }

    Mono<ServerResponse> revoke(ServerRequest request) {
        return tokens.revoke(Callers.of(request), request.pathVariable("id"))
                .then(ServerResponse.noContent().build());
    }
}
